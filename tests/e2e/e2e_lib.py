"""Small clients of the e2e suite: Odoo over XML-RPC, SMTP, IMAP, polling."""

import contextlib
import email
import email.policy
import imaplib
import math
import os
import re
import signal
import smtplib
import socketserver
import threading
import time
import xmlrpc.client
from datetime import datetime, timezone
from email.utils import format_datetime, make_msgid
from pathlib import Path

POLL = 0.075  # seconds between two XML-RPC polls (the brief: 50-100 ms)


class Odoo:
    """``execute_kw`` as the administrator, through Odoo's XML-RPC endpoint."""

    def __init__(self, url, db, password, login="admin"):
        self.url, self.db, self.password = url, db, password
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
        self.uid = common.authenticate(db, login, password, {})
        if not self.uid:
            raise RuntimeError(f"cannot log in to {db} as {login}")
        self.proxy = xmlrpc.client.ServerProxy(
            f"{url}/xmlrpc/2/object", allow_none=True
        )

    def clone(self):
        """A client with its own connection (one per thread)."""
        return Odoo(self.url, self.db, self.password)

    def call(self, model, method, *args, **kwargs):
        return self.proxy.execute_kw(
            self.db, self.uid, self.password, model, method, list(args), kwargs
        )

    def search_read(self, model, domain, fields, **kwargs):
        return self.call(model, "search_read", domain, fields, **kwargs)

    def create(self, model, values, context=None):
        return self.call(model, "create", values, context=context or {})

    def write(self, model, ids, values):
        return self.call(model, "write", ids, values)

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        rows = self.search_read(
            "ir.model.data",
            [("module", "=", module), ("name", "=", name)],
            ["res_id"],
        )
        if not rows:
            raise KeyError(xmlid)
        return rows[0]["res_id"]


def wait_until(check, timeout, what, interval=POLL):
    """Call ``check`` until it returns a true value; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def make_mail(
    sender, to, subject, body, cc=None, msgid_domain="sales.e2e.test", **headers
):
    """An RFC 5322 message (bytes) and its Message-ID (without brackets)."""
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(timezone.utc))
    msg_id = make_msgid(domain=msgid_domain)
    msg["Message-ID"] = msg_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes(), msg_id.strip("<>")


class Smtp:
    """One SMTP session to the private Postfix; ``send`` returns the instant
    (``time.monotonic()``) at which Postfix accepted the message (250 to DATA)."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def send(self, envelope_from, envelope_to, raw):
        for attempt in (1, 2):
            try:
                if self.conn is None:
                    self.conn = smtplib.SMTP("127.0.0.1", self.port, timeout=30)
                    self.conn.ehlo("client.e2e.test")
                refused = self.conn.sendmail(envelope_from, envelope_to, raw)
                accepted = time.monotonic()
                if refused:
                    raise AssertionError(f"Postfix refused {refused}")
                return accepted
            except smtplib.SMTPServerDisconnected:
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            try:
                self.conn.quit()
            except smtplib.SMTPException:
                pass
            self.conn = None


def imap_fetch_all(port, user, password):
    """Every message of ``user``'s INBOX, read-only (flags untouched)."""
    conn = imaplib.IMAP4("127.0.0.1", port)
    try:
        conn.login(user, password)
        conn.select("INBOX", readonly=True)
        _typ, data = conn.search(None, "ALL")
        messages = []
        for num in data[0].split():
            _typ, parts = conn.fetch(num, "(BODY.PEEK[])")
            messages.append(
                email.message_from_bytes(parts[0][1], policy=email.policy.default)
            )
        return messages
    finally:
        conn.logout()


def imap_count_unseen(port, user, password):
    conn = imaplib.IMAP4("127.0.0.1", port)
    try:
        conn.login(user, password)
        conn.select("INBOX", readonly=True)
        _typ, data = conn.search(None, "UNSEEN")
        return len(data[0].split())
    finally:
        conn.logout()


def percentile(values, fraction):
    """Nearest-rank percentile of ``values`` (``fraction`` in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


class SmtpSink:
    """A small SMTP server the fault tests control (127.0.0.1:``port``).

    ``mode``: ``"ok"`` accepts every message (kept in ``received``: a list of
    (envelope recipients, raw bytes)); ``"4xx"`` answers 451 to every MAIL
    FROM (the server refuses for now).  ``refuse`` holds addresses answered
    ``550`` at RCPT TO (permanently refused).  ``stop()`` closes the port (the
    server is down); ``start()`` opens it again.
    """

    def __init__(self, port):
        self.port = port
        self.mode = "ok"
        self.refuse = set()
        self.received = []
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    def start(self):
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 sink.e2e.test ESMTP")
                mail_from, rcpts = None, []
                while line := self.rfile.readline():
                    verb = line[:4].upper().decode("ascii", "replace")
                    arg = line[4:].strip().decode("utf-8", "replace")
                    if verb in ("EHLO", "HELO"):
                        self.reply("250-sink.e2e.test")
                        self.reply("250 8BITMIME")
                    elif verb == "MAIL":
                        if sink.mode == "4xx":
                            self.reply("451 4.3.0 try again later")
                            continue
                        mail_from, rcpts = arg, []
                        self.reply("250 2.1.0 ok")
                    elif verb == "RCPT":
                        address = re.sub(r"(?i)^to:\s*<?([^>]*)>?.*$", r"\1", arg)
                        if address.lower() in sink.refuse:
                            self.reply("550 5.1.1 no such user")
                            continue
                        rcpts.append(address.lower())
                        self.reply("250 2.1.5 ok")
                    elif verb == "DATA":
                        if not (mail_from and rcpts):
                            self.reply("503 5.5.1 no valid recipients")
                            continue
                        self.reply("354 go ahead")
                        data = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        with sink.lock:
                            sink.received.append((rcpts, b"".join(data)))
                        mail_from, rcpts = None, []
                        self.reply("250 2.0.0 queued")
                    elif verb == "RSET":
                        mail_from, rcpts = None, []
                        self.reply("250 2.0.0 ok")
                    elif verb == "QUIT":
                        self.reply("221 2.0.0 bye")
                        return
                    else:
                        self.reply("250 2.0.0 ok")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def message_ids(self):
        """{Message-ID: times received} of what was accepted."""
        counts = {}
        with self.lock:
            for _rcpts, raw in self.received:
                msg = email.message_from_bytes(raw, policy=email.policy.default)
                key = str(msg["Message-ID"]).strip()
                counts[key] = counts.get(key, 0) + 1
        return counts


def _stat(pid):
    """(state, session id) of ``pid`` from /proc, or None when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return fields[0], int(fields[3])


def alive(pid):
    """Whether ``pid`` runs (a zombie waiting to be reaped does not)."""
    stat = _stat(pid)
    return bool(stat) and stat[0] != "Z"


def kill_session(pid, timeout=30):
    """SIGKILL ``pid`` and every process of its session (Odoo's workers,
    Dovecot's children; both run in a session of their own, which this
    suite started), then wait until none runs."""
    stat = _stat(pid)
    if not stat:
        return
    # Only a session the process leads (never the suite's own session):
    # otherwise the process and its children.
    leader = stat[1] == pid

    def members():
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            member = _stat(entry.name)
            if not member or member[0] == "Z":
                continue
            if (leader and member[1] == pid) or int(entry.name) == pid:
                found.append(int(entry.name))
            elif not leader and _parent(entry.name) == pid:
                found.append(int(entry.name))
        return found

    deadline = time.monotonic() + timeout
    while (left := members()) and time.monotonic() < deadline:
        for member in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(member, signal.SIGKILL)
        time.sleep(0.1)
    if members():
        raise AssertionError(f"processes of {pid} survive SIGKILL")


def _parent(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[1])


def tally(fault, **counts):
    """The line a fault test prints: what went in and what came out."""
    line = f"TALLY {fault}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
    print(f"\n{line}")
    return line
