#!/usr/bin/env python3
"""Write each addon's README.rst from its readme/*.md fragments (OCA layout).

Usage: addon_readme.py [--check] ADDON_DIR...
With --check, exit 1 when a README.rst is missing or out of date.
"""

import ast
import re
import sys
from pathlib import Path

SECTIONS = [
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("ROADMAP.md", "Known issues / Roadmap"),
    ("CONTRIBUTORS.md", "Contributors"),
]


def md_to_rst(text):
    """The little Markdown the fragments use: lists, bold, inline code."""
    text = re.sub(r"(?<!`)`([^`\n]+)`(?!`)", r"``\1``", text)
    return text.strip() + "\n"


def render(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
    title = manifest["name"]
    out = [
        "=" * len(title),
        title,
        "=" * len(title),
        "",
        f"*{manifest.get('summary', '').strip()}*",
        "",
        # x.y.z: Odoo prefixes the running series (18.0.x.y.z, 19.0.x.y.z)
        f"Version {manifest['version']} for Odoo 18.0 and 19.0, "
        f"license {manifest['license']}, "
        f"by {manifest['author']}.",
        "",
        ".. This file is generated from readme/*.md by setup/addon_readme.py.",
        "",
    ]
    for name, heading in SECTIONS:
        fragment = addon / "readme" / name
        if not fragment.is_file():
            continue
        if heading:
            out += [heading, "=" * len(heading), ""]
        out += [md_to_rst(fragment.read_text()), ""]
    return "\n".join(out + maintainers(manifest)).rstrip() + "\n"


def maintainers(manifest):
    """The Maintainers section, from the manifest (as OCA's README credits)."""
    names = manifest.get("maintainers") or []
    if not names:
        return []
    out = ["Maintainers", "===========", ""]
    out += [f"- {name}" for name in names]
    if manifest.get("website"):
        out += ["", f"Project: {manifest['website']}"]
    return out + [""]


def main(argv):
    check = "--check" in argv
    stale = []
    for arg in [a for a in argv if a != "--check"]:
        addon = Path(arg)
        target = addon / "README.rst"
        text = render(addon)
        if check:
            if not target.is_file() or target.read_text() != text:
                stale.append(str(target))
        else:
            target.write_text(text)
    if stale:
        print("out of date (run setup/addon_readme.py ADDON):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
