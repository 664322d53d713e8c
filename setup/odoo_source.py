#!/usr/bin/env python3
"""Find and check the Odoo 18.0 source tree the project runs on.

Usage: odoo_source.py check DIR   -> prints the addons path, or an error (exit 2)

A usable tree has ``odoo-bin``, ``odoo/release.py`` saying 18.0, and the addons
this project needs (base, web, mail, crm, contacts, link_tracker).  Both layouts
are accepted: the official repository (``addons/`` beside ``odoo/addons/``) and a
tree where every addon sits under ``odoo/addons/``.
"""

import ast
import sys
from pathlib import Path

SERIES = (18, 0)
NEEDED_ADDONS = ("base", "web", "mail", "crm", "contacts", "link_tracker")


def release_version(src):
    """Return the (major, minor) version_info of the tree, or None."""
    release = src / "odoo" / "release.py"
    if not release.is_file():
        return None
    for node in ast.parse(release.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) == "version_info" for t in node.targets
        ):
            elts = getattr(node.value, "elts", [])
            values = [getattr(e, "value", None) for e in elts[:2]]
            if len(values) == 2 and all(isinstance(v, int) for v in values):
                return tuple(values)
    return None


def addons_dirs(src):
    dirs = [src / "addons", src / "odoo" / "addons"]
    return [d for d in dirs if d.is_dir()]


def check(src):
    """Return (addons_path, None) for a good tree, else (None, message)."""
    src = Path(src).expanduser()
    if not src.is_dir():
        return None, f"{src} does not exist or is not a directory"
    if not (src / "odoo-bin").is_file():
        return None, f"{src} has no odoo-bin: it is not an Odoo source tree"
    version = release_version(src)
    if version is None:
        return None, f"{src}/odoo/release.py has no version_info: not an Odoo tree"
    if version != SERIES:
        found = ".".join(map(str, version))
        return None, f"{src} is Odoo {found}; this project needs Odoo 18.0"
    dirs = addons_dirs(src)
    missing = [a for a in NEEDED_ADDONS if not any((d / a).is_dir() for d in dirs)]
    if missing:
        return None, f"{src} lacks the addons {', '.join(missing)}"
    return ",".join(str(d.resolve()) for d in dirs), None


def main(argv):
    if len(argv) != 3 or argv[1] != "check":
        sys.exit(__doc__)
    path, error = check(argv[2])
    if error:
        print(error, file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
