"""A private Postfix for the benchmarks: the end-to-end suite's instance.

The configuration is the e2e suite's (``tests/e2e/conf/postfix``, rendered by
``tests/e2e/render.py``'s functions) in its own directory, listening on
127.0.0.1 only, with one change: every delivery is discarded (the ``discard``
transport), so nothing leaves the machine and nothing bounces. Postfix still
does all its receiving work (smtpd, cleanup, a queue file written and synced
before its ``250``), which is what a sending rate is measured against.

Needs root (Postfix's master) and Postfix installed (``setup/e2e`` installs
it); ``available()`` says why not otherwise.
"""

import collections
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

import render  # noqa: E402
import settings  # noqa: E402

POSTFIX = "/usr/sbin/postfix"


def available():
    """``None`` when a private Postfix can run here, else the reason."""
    if not os.path.exists(POSTFIX):
        return "Postfix is not installed (setup/e2e installs it)"
    if os.geteuid() != 0:
        return "the private Postfix master needs root"
    return None


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True)


class PrivatePostfix:
    """``with PrivatePostfix(state_dir, port) as postfix: ...``"""

    def __init__(self, state, port):
        self.state = Path(state)
        self.port = port
        self.conf = self.state / "postfix" / "conf"

    def render(self):
        cfg = settings.Settings(
            state=self.state,
            db="bench",
            odoo_port=0,
            smtp_port=self.port,
            imap_port=0,
            odoo_password="-",
            imap_password="-",
            emails=0,
            rate=0,
        )
        vals = render.values(cfg)
        shutil.rmtree(self.state / "postfix", ignore_errors=True)
        self.conf.mkdir(parents=True)
        for name in ("spool", "data"):
            (self.state / "postfix" / name).mkdir()
        shutil.chown(self.state / "postfix" / "data", user="postfix")
        for source in sorted((render.HERE / "conf" / "postfix").iterdir()):
            (self.conf / source.name).write_text(
                render.render(source.read_text(), vals)
            )
        run("postmap", "-c", str(self.conf), str(self.conf / "transport"))
        run("postmap", "-c", str(self.conf), str(self.conf / "vmailbox"))
        run(
            "postconf",
            "-c",
            str(self.conf),
            "-e",
            "default_transport = discard:benchmark",
            "relay_transport = discard:benchmark",
            "virtual_mailbox_domains =",
            "mydestination =",
            "transport_maps =",
        )

    def start(self):
        self.stop()
        self.render()
        run(POSTFIX, "-c", str(self.conf), "check")
        run(POSTFIX, "-c", str(self.conf), "start")
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"Postfix does not listen on 127.0.0.1:{self.port}")

    def stop(self):
        if (self.conf / "main.cf").exists():
            subprocess.run([POSTFIX, "-c", str(self.conf), "stop"], capture_output=True)

    def message_ids(self, wait=2.0):
        """``Counter`` of the Message-Ids Postfix accepted, from its log (one
        ``cleanup`` line per message; the log is written asynchronously)."""
        log = self.state / "postfix" / "maillog"
        previous = None
        while True:
            found = collections.Counter()
            if log.exists():
                with log.open(errors="replace") as lines:
                    for line in lines:
                        if "/cleanup[" in line and " message-id=" in line:
                            found[line.rsplit(" message-id=", 1)[1].strip()] += 1
            if found == previous:
                return found
            previous = found
            time.sleep(wait)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
