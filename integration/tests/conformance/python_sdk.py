"""Drives the official stripe-python SDK for tests/conformance.rs: one JSON request per input
line, one JSON answer per output line."""
import json
import sys

import stripe

for line in sys.stdin:
    request = json.loads(line)
    payload = bytes.fromhex(request["payload_hex"])
    try:
        if payload:
            event = stripe.Webhook.construct_event(payload, request["header"], request["secret"], tolerance=300)
            answer = {"ok": True, "id": event["id"] if "id" in event else None}
        else:
            # construct_event parses JSON after verifying; an empty body can only be verified.
            stripe.WebhookSignature.verify_header(payload.decode("utf-8"), request["header"], request["secret"], tolerance=300)
            answer = {"ok": True, "id": None}
    except Exception as error:  # report, never crash: the Rust side asserts
        answer = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()

sys.stdout.write(json.dumps({"done": True, "version": getattr(stripe, "VERSION", None)}) + "\n")
