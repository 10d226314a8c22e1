"""An SMTP server for tests/email.rs, on Debian's python3-aiosmtpd.

aiosmtpd's own command line has no authenticator, so the TLS and login tests run this:
aiosmtpd's Controller with its Mailbox handler (each message saved to a Maildir), optional
STARTTLS or implicit TLS with the given certificate, and optional AUTH PLAIN/LOGIN that accepts
one user and password only (and only over TLS). It prints "ready" once it listens, and runs
until stdin closes or it is killed.

usage: smtp_server.py PORT MAILDIR [--starttls CERT KEY | --implicit-tls CERT KEY]
                                   [--login USER PASSWORD]
"""

import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main(argv):
    port, maildir, rest = int(argv[0]), argv[1], argv[2:]
    tls = None
    implicit = False
    login = None
    while rest:
        flag = rest.pop(0)
        if flag in ("--starttls", "--implicit-tls"):
            cert, key = rest.pop(0), rest.pop(0)
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(cert, key)
            implicit = flag == "--implicit-tls"
        elif flag == "--login":
            login = (rest.pop(0).encode(), rest.pop(0).encode())
        else:
            raise SystemExit(f"unknown flag {flag}")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            login is not None
            and isinstance(auth_data, LoginPassword)
            and (auth_data.login, auth_data.password) == login
        )
        return AuthResult(success=ok, handled=False)

    server_kwargs = {}
    if login is not None:
        server_kwargs.update(
            authenticator=authenticate, auth_required=True, auth_require_tls=True
        )
    if tls is not None and not implicit:
        server_kwargs.update(tls_context=tls, require_starttls=True)
    controller = Controller(
        Mailbox(maildir),
        hostname="127.0.0.1",
        port=port,
        ssl_context=tls if implicit else None,
        server_kwargs=server_kwargs,
        ready_timeout=10,
    )
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
