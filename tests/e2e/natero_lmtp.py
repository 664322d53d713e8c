#!/usr/bin/env python3
"""A small long-running LMTP server that hands received mail to Odoo.

    natero_lmtp.py --listen 127.0.0.1:8024 --url http://127.0.0.1:8069 \\
        -d DATABASE -u UID -p API_KEY

Postfix delivers to it over LMTP (``transport_maps``: ``log@crm.example.com
lmtp:inet:127.0.0.1:8024``) instead of starting ``odoo-mailgate.py`` for each
email: no Python process per email, and one XML-RPC connection to Odoo per
LMTP session, kept open.  For each recipient it prepends ``Return-Path`` and
``Delivered-To`` (the full recipient, ``+token`` included), as Postfix's pipe
does with ``flags=DR``, and calls ``mail.thread.message_process`` as the
mail gateway script does.

Answers, per recipient (RFC 2033): ``250`` once Odoo has the mail (committed);
``451`` when Odoo or its database cannot be reached, so that Postfix keeps the
mail and retries; ``550`` when Odoo refused the mail (an XML-RPC fault other
than a database outage), which Postfix bounces.  Python 3.10+, standard
library only.
"""

import argparse
import logging
import re
import socketserver
import threading
import xmlrpc.client

_logger = logging.getLogger("natero_lmtp")
MAX_SIZE = 100 * 1024 * 1024  # bytes of one message (Odoo's own limits apply after)
TEMPORARY = re.compile(
    r"OperationalError|InterfaceError|could not connect|connection .*closed|"
    r"database system is|terminating connection|SerializationFailure",
    re.IGNORECASE,
)


class Delivery:
    """The XML-RPC side: one connection per LMTP session (thread)."""

    def __init__(self, url, db, uid, password):
        self.url, self.db, self.uid, self.password = url, db, uid, password
        self.local = threading.local()

    def proxy(self):
        if getattr(self.local, "proxy", None) is None:
            self.local.proxy = xmlrpc.client.ServerProxy(
                f"{self.url}/xmlrpc/2/object", allow_none=True
            )
        return self.local.proxy

    def deliver(self, raw):
        """``(code, text)`` of the LMTP answer for one recipient's copy."""
        try:
            self.proxy().execute_kw(
                self.db,
                self.uid,
                self.password,
                "mail.thread",
                "message_process",
                [False, xmlrpc.client.Binary(raw)],
                {},
            )
        except xmlrpc.client.Fault as exc:
            if TEMPORARY.search(exc.faultString or ""):
                _logger.warning("Odoo's database is unavailable: %s", exc.faultCode)
                return 451, "4.3.0 Odoo's database is unavailable, try again later"
            _logger.error("Odoo refused the mail: %s", exc.faultString[-500:])
            return 550, "5.6.0 Odoo refused the mail"
        except (OSError, xmlrpc.client.ProtocolError, EOFError) as exc:
            self.local.proxy = None
            _logger.warning("Odoo is unreachable: %s", exc)
            return 451, "4.4.1 Odoo is unreachable, try again later"
        return 250, "2.0.0 delivered to Odoo"


def address(arg):
    """The address of ``FROM:<a@b> ...`` or ``TO:<a@b> ...``."""
    match = re.match(r"(?i)(?:from|to):\s*<([^>]*)>", arg)
    return match.group(1) if match else None


class Handler(socketserver.StreamRequestHandler):
    timeout = 300  # seconds without a command: the session is dropped

    def reply(self, code, text):
        self.wfile.write(f"{code} {text}\r\n".encode())

    def handle(self):
        delivery = self.server.delivery
        self.reply(220, f"{self.server.hostname} LMTP natero_lmtp ready")
        sender, recipients = None, []
        while line := self.rfile.readline(4096):
            verb, _sep, arg = line.decode("utf-8", "replace").strip().partition(" ")
            verb = verb.upper()
            if verb == "LHLO":
                for ext in (self.server.hostname, "8BITMIME", "ENHANCEDSTATUSCODES"):
                    self.wfile.write(f"250-{ext}\r\n".encode())
                self.reply(250, "PIPELINING")
            elif verb == "MAIL":
                sender = address(arg)
                recipients = []
                ok = sender is not None
                self.reply(250 if ok else 501, "2.1.0 ok" if ok else "5.5.4 syntax")
            elif verb == "RCPT":
                rcpt = address(arg)
                if sender is None or not rcpt:
                    self.reply(503 if sender is None else 501, "5.5.1 bad sequence")
                    continue
                recipients.append(rcpt)
                self.reply(250, "2.1.5 ok")
            elif verb == "DATA":
                if not recipients:
                    self.reply(503, "5.5.1 no valid recipients")
                    continue
                self.reply(354, "send the message, end with <CRLF>.<CRLF>")
                data = self.read_data()
                for rcpt in recipients:
                    if data is None:
                        self.reply(552, "5.3.4 message too big")
                        continue
                    head = (
                        f"Return-Path: <{sender}>\r\nDelivered-To: {rcpt}\r\n"
                        f"X-Original-To: {rcpt}\r\n"
                    )
                    self.reply(*delivery.deliver(head.encode() + data))
                sender, recipients = None, []
            elif verb == "RSET":
                sender, recipients = None, []
                self.reply(250, "2.0.0 ok")
            elif verb == "NOOP":
                self.reply(250, "2.0.0 ok")
            elif verb == "QUIT":
                self.reply(221, "2.0.0 bye")
                return
            elif verb == "VRFY":
                self.reply(252, "2.5.0 cannot verify")
            else:
                self.reply(500, "5.5.2 command not recognised")

    def read_data(self):
        """The message, dot-unstuffed (None when over MAX_SIZE)."""
        chunks, size = [], 0
        while True:
            line = self.rfile.readline(65536)
            if not line or line in (b".\r\n", b".\n"):
                break
            if line.startswith(b".."):
                line = line[1:]
            size += len(line)
            if size <= MAX_SIZE:
                chunks.append(line)
        return b"".join(chunks) if size <= MAX_SIZE else None


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="127.0.0.1:8024", help="host:port")
    parser.add_argument("--url", default="http://127.0.0.1:8069", help="Odoo's URL")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-u", "--userid", type=int, required=True)
    parser.add_argument("-p", "--password", required=True, help="password or API key")
    parser.add_argument("--hostname", default="natero-lmtp")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    host, _sep, port = args.listen.rpartition(":")
    server = Server((host, int(port)), Handler)
    server.delivery = Delivery(args.url, args.database, args.userid, args.password)
    server.hostname = args.hostname
    _logger.info("listening on %s, delivering to %s", args.listen, args.url)
    server.serve_forever()


if __name__ == "__main__":
    main()
