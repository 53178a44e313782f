"""smtp_server.py CERT KEY INBOX PORTFILE USER PASSWORD_FILE [PORT]

A real SMTP server for the integration tests (Debian's python3-aiosmtpd)
on 127.0.0.1: STARTTLS required, then AUTH LOGIN/PLAIN with USER and the
first line of PASSWORD_FILE.  Message N lands in INBOX/msg-N.eml (N goes
on from the messages already there, so a restarted server keeps the
numbering), with INBOX/msg-N.env saying whether it came over TLS and
authenticated, its sender and recipients.  PORT (default 0: the system
picks one) is written to PORTFILE once the server listens.
"""
import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

cert, key, inbox, portfile, user, password_file = sys.argv[1:7]
wanted_port = int(sys.argv[7]) if len(sys.argv) > 7 else 0
with open(password_file, "rb") as f:
    password = f.read().splitlines()[0]


class Handler:
    async def handle_DATA(self, server, session, envelope):
        # No await until the rename: messages are numbered one at a time.
        n = len([f for f in os.listdir(inbox) if f.endswith(".eml")]) + 1
        base = os.path.join(inbox, "msg-%d" % n)
        with open(base + ".env", "w") as f:
            f.write("tls=%d\nauth=%d\nfrom=%s\nto=%s\n" % (
                session.ssl is not None, bool(session.authenticated),
                envelope.mail_from, ",".join(envelope.rcpt_tos)))
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and
          auth_data.login == user.encode() and
          auth_data.password == password)
    return AuthResult(success=ok, handled=False)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)


def factory():
    return SMTP(Handler(), hostname="localhost", tls_context=context,
                require_starttls=True, authenticator=authenticator,
                auth_required=True, auth_require_tls=True)


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, host="127.0.0.1",
                                      port=wanted_port, reuse_address=True)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % server.sockets[0].getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    async with server:
        await server.serve_forever()

asyncio.run(main())
