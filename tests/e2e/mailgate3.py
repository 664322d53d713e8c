#!/usr/bin/env python3
"""Run Odoo's own ``odoo-mailgate.py`` on Python 3, unmodified.

Odoo 18.0 still ships the mail gateway script as Python 2 (``import xmlrpclib``,
``sys.stdin.read()`` as bytes).  This wrapper, placed next to a copy of that
script, maps ``xmlrpclib`` to ``xmlrpc.client``, gives the script stdin as bytes
and runs it.  Odoo 19.0's script runs on Python 3 itself (it encodes what it
reads): it is run as it is.  Its options are the script's own:

    odoo-mailgate3.py --host=127.0.0.1 --port=8069 -d DB -u 2 -p PASSWORD_OR_API_KEY

One change of behaviour, for the MTA: when Odoo cannot be reached (restart,
timeout) the script exits 2, which Postfix's pipe(8) would turn into a bounce;
this wrapper exits 75 (EX_TEMPFAIL) instead, so Postfix keeps the mail and
retries (19.0's script does so itself with ``--retry-status``, which this
wrapper passes it).  An XML-RPC fault (Odoo refused the mail) stays a permanent failure.
"""

import runpy
import sys
import xmlrpc.client
from pathlib import Path

EX_TEMPFAIL = 75


def main():
    script = Path(__file__).with_name("odoo-mailgate.py")
    source = script.read_text()
    if "xmlrpc.client" not in source:  # 18.0: Python 2 only
        sys.modules.setdefault("xmlrpclib", xmlrpc.client)
        sys.stdin = sys.stdin.buffer
    if "--retry-status" in source and "--retry-status" not in sys.argv:
        sys.argv.append("--retry-status")  # 19.0: its own EX_TEMPFAIL when unreachable
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:
        if exc.code == 2:
            sys.exit(EX_TEMPFAIL)
        raise


if __name__ == "__main__":
    main()
