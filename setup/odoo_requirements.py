#!/usr/bin/env python3
"""Write a pip requirements file for an Odoo source tree that builds on this Python.

Odoo pins its requirements to the versions of the Debian/Ubuntu packages it
supports.  A few of those pins have no wheel and do not build here, or need
system headers most machines lack.  This script reads ``ODOO_SRC/requirements.txt``,
keeps every line pip would select for the running interpreter, and applies the
workarounds below, printing each one so the install log says what changed.

Usage: odoo_requirements.py ODOO_SRC OUTPUT
"""

import re
import sys
from pathlib import Path

# name (lower-case) -> (replacement requirement or None to drop, why)
WORKAROUNDS = {
    "python-ldap": (None, "needs OpenLDAP headers; only the auth_ldap addon uses it"),
    "psycopg2": (
        "psycopg2-binary>=2.9.5,<2.10",
        "the source build needs libpq headers; the binary wheel is the same driver",
    ),
    "pypiwin32": (None, "Windows only"),
    "cbor2": (
        "cbor2==5.6.2",
        "5.4.2 has no wheel and its setup.py needs pkg_resources, gone from current "
        "setuptools; 5.6.2 is Odoo's own pin for Python 3.12",
    ),
}


def main(src, output):
    req = Path(src) / "requirements.txt"
    if not req.is_file():
        sys.exit(f"error: {req} not found: ODOO_SRC must be an Odoo 18.0 source tree")
    lines = []
    for raw in req.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name = re.split(r"[<>=!~;\s\[]", line, maxsplit=1)[0].lower()
        if name in WORKAROUNDS:
            repl, why = WORKAROUNDS[name]
            if not _marker_true(line):
                continue
            if repl is None:
                print(f"  skipping {name}: {why}")
            elif repl not in lines:
                print(f"  {name} -> {repl}: {why}")
                lines.append(repl)
            continue
        lines.append(line)
    Path(output).write_text("\n".join(lines) + "\n")


def _marker_true(line):
    if ";" not in line:
        return True
    try:
        from packaging.markers import Marker
    except ImportError:  # pip vendors packaging
        from pip._vendor.packaging.markers import Marker
    return Marker(line.split(";", 1)[1].strip()).evaluate()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
