"""A real SMTP server for the mail tests (aiosmtpd, as Debian packages it).

Every message it accepts is kept as a JSON file in FOLDER, read with Python's own email parser:
the envelope's sender and recipients, the subject, the plain and HTML parts, the names of the
attachments. Recipients whose address starts with "refuse" are refused (550), as a real server
refuses an address it does not know. With --cert and --key it requires STARTTLS; with --login
USER:SECRET it requires that login (over TLS).

Usage: /usr/bin/python3 server.py PORT FOLDER [--cert FILE --key FILE] [--login USER:SECRET]
Prints "ready" when it listens; stops on SIGTERM.
"""

import email
import email.policy
import json
import os
import signal
import ssl
import sys
import threading
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Keeper:
    def __init__(self, folder):
        self.folder = folder

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("refuse"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        plain = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        kept = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(message["subject"]),
            "header_from": str(message["from"]),
            "header_to": str(message["to"]),
            "plain": plain.get_content() if plain else None,
            "html": html.get_content() if html else None,
            "attachments": [part.get_filename() for part in message.iter_attachments()],
            "tls": session.ssl is not None,
        }
        name = os.path.join(self.folder, f"{uuid.uuid4()}.json")
        with open(name + ".part", "w") as f:
            json.dump(kept, f)
        os.rename(name + ".part", name)
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    args = sys.argv[3:]
    option = lambda name: args[args.index(name) + 1] if name in args else None
    cert, key, login = option("--cert"), option("--key"), option("--login")
    kwargs = {}
    if cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        kwargs.update(tls_context=context, require_starttls=True)
    if login:
        user, secret = login.split(":", 1)

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
                and auth_data.password.decode() == secret
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=bool(cert))
    controller = Controller(Keeper(folder), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
