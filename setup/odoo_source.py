#!/usr/bin/env python3
"""Find and check the Odoo source trees the project runs on (18.0 and 19.0).

Usage:
  odoo_source.py check DIR [SERIES]  -> prints the addons path, or an error (exit 2)
  odoo_source.py series DIR          -> prints the tree's series (18.0 or 19.0)

A usable tree has ``odoo-bin``, ``odoo/release.py`` saying a supported series
(and SERIES when given), and the addons this project needs (base, web, mail,
crm, contacts, link_tracker).  Both layouts are accepted: the official
repository (``addons/`` beside ``odoo/addons/``, as 19.0 ships) and a tree
where every addon sits under ``odoo/addons/``.
"""

import ast
import sys
from pathlib import Path

SUPPORTED = ((18, 0), (19, 0))
NEEDED_ADDONS = ("base", "web", "mail", "crm", "contacts", "link_tracker")


def series_name(version):
    return ".".join(map(str, version))


SUPPORTED_NAMES = " or ".join(series_name(v) for v in SUPPORTED)


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


def parse_series(text):
    """'18.0' -> (18, 0); None when it is not a supported series."""
    for version in SUPPORTED:
        if text == series_name(version):
            return version
    return None


def detect(src):
    """Return (series, None) for a tree of a supported series, else (None, why)."""
    src = Path(src).expanduser()
    if not src.is_dir():
        return None, f"{src} does not exist or is not a directory"
    if not (src / "odoo-bin").is_file():
        return None, f"{src} has no odoo-bin: it is not an Odoo source tree"
    version = release_version(src)
    if version is None:
        return None, f"{src}/odoo/release.py has no version_info: not an Odoo tree"
    if version not in SUPPORTED:
        found = series_name(version)
        return None, (
            f"{src} is Odoo {found}; this project needs Odoo {SUPPORTED_NAMES}"
        )
    return version, None


def check(src, series=None):
    """Return (addons_path, None) for a good tree, else (None, message).

    ``series`` ('18.0' or '19.0'), when given, is the series the tree must be.
    """
    version, error = detect(src)
    if error:
        return None, error
    src = Path(src).expanduser()
    if series is not None and version != parse_series(series):
        return None, f"{src} is Odoo {series_name(version)}, not {series}"
    dirs = addons_dirs(src)
    missing = [a for a in NEEDED_ADDONS if not any((d / a).is_dir() for d in dirs)]
    if missing:
        return None, f"{src} lacks the addons {', '.join(missing)}"
    return ",".join(str(d.resolve()) for d in dirs), None


def main(argv):
    if len(argv) == 3 and argv[1] == "series":
        version, error = detect(argv[2])
        if error:
            print(error, file=sys.stderr)
            return 2
        print(series_name(version))
        return 0
    if len(argv) not in (3, 4) or argv[1] != "check":
        sys.exit(__doc__)
    series = argv[3] if len(argv) == 4 else None
    if series is not None and parse_series(series) is None:
        print(
            f"unknown series {series!r}: this project supports {SUPPORTED_NAMES}",
            file=sys.stderr,
        )
        return 2
    path, error = check(argv[2], series)
    if error:
        print(error, file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
