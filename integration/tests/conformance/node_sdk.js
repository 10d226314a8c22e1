// Drives the official stripe-node SDK for tests/conformance.rs: one JSON request per input
// line, one JSON answer per output line.
'use strict';
const readline = require('readline');
const Stripe = require('stripe');

const stripe = new Stripe('sk_test_conformance');
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });

lines.on('line', (line) => {
  const request = JSON.parse(line);
  const payload = Buffer.from(request.payload_hex, 'hex');
  let answer;
  try {
    if (request.op === 'sign') {
      const header = stripe.webhooks.generateTestHeaderString({
        payload: payload.toString('utf8'),
        secret: request.secret,
        timestamp: request.timestamp,
      });
      answer = { ok: true, header };
    } else if (payload.length === 0) {
      // constructEvent parses JSON after verifying; an empty body can only be verified.
      stripe.webhooks.signature.verifyHeader(payload, request.header, request.secret, 300, undefined, request.timestamp);
      answer = { ok: true, id: null };
    } else {
      const event = stripe.webhooks.constructEvent(payload, request.header, request.secret, 300, undefined, request.timestamp);
      answer = { ok: true, id: event.id === undefined ? null : event.id };
    }
  } catch (error) {
    answer = { ok: false, error: String(error && error.message) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});

lines.on('close', () => process.stdout.write(JSON.stringify({ done: true, version: Stripe.PACKAGE_VERSION || null }) + '\n'));
