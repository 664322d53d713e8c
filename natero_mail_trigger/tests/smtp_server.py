# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A real SMTP server for the tests (RFC 5321 over TCP on 127.0.0.1).

Small, and scriptable: ``replies`` maps a stage (``"mail"``, ``"rcpt"``,
``"data"``) to a function of the message number (0, 1, ...) and the address,
returning the reply line to send instead of ``250``; a ``421`` reply closes the
session, as a real server does. Each session and each accepted message
(envelope and raw bytes) are recorded. ``stop()`` closes the listening
socket (the port then refuses connections) and ``start()`` opens it again on
the same port.
"""

import email
import email.policy
import socket
import socketserver
import threading


class Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def custom(self, stage, address=""):
        rule = self.server.replies.get(stage)
        if rule is None:
            return None
        return rule(self.server.attempts, address)

    def handle(self):
        server = self.server
        with server.lock:
            server.sessions += 1
        self.reply("220 test-smtp ESMTP")
        envelope = None
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            verb = line[:4].upper()
            argument = line[5:].decode().strip()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-test-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"MAIL":
                envelope = {"from": argument.split(":", 1)[1].strip(), "rcpt": []}
                if not self.answer("mail", envelope["from"]):
                    return
            elif verb == b"RCPT":
                address = argument.split(":", 1)[1].strip()
                custom = self.custom("rcpt", address)
                if custom is None:
                    envelope["rcpt"].append(address)
                if not self.answer("rcpt", address, custom):
                    return
            elif verb == b"DATA":
                self.reply("354 end with .")
                lines = []
                while True:
                    data = self.rfile.readline(1 << 20)
                    if data in (b".\r\n", b""):
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                custom = self.custom("data")
                with server.lock:
                    server.attempts += 1
                    if custom is None:
                        server.messages.append({**envelope, "raw": b"".join(lines)})
                if not self.answer("data", "", custom):
                    return
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:  # RSET, NOOP
                self.reply("250 ok")

    def answer(self, stage, address, custom=False):
        """Send the reply of ``stage``; False when the session ends."""
        if custom is False:
            custom = self.custom(stage, address)
        if custom is None:
            self.reply("250 ok")
            return True
        self.reply(custom)
        return not custom.startswith("421")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port=0):
        super().__init__(("127.0.0.1", port), Handler, bind_and_activate=True)
        self.port = self.server_address[1]
        self.lock = threading.Lock()
        self.replies = {}
        self.sessions = 0
        self.attempts = 0  # DATA commands, accepted or not
        self.messages = []
        self.thread = None

    def start(self):
        if self.socket.fileno() == -1:  # stopped: listen again on the port
            self.socket = socket.socket(self.address_family, self.socket_type)
            self.server_bind()
            self.server_activate()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()

    def parsed(self):
        """The accepted messages as ``email.message.EmailMessage``."""
        return [
            email.message_from_bytes(message["raw"], policy=email.policy.default)
            for message in self.messages
        ]
