"""Stage addons for one Odoo series: copies whose manifest version carries it.

The addons' manifests say ``x.y.z``: Odoo 18.0 and 19.0 both accept a
three-part version and prefix it with the running series (``adapt_version``),
so one manifest serves both.  whool, which builds the wheels, takes the series
from the manifest's version instead (``<series>.x.y.z``), so each series' wheel
is built from a copy of the addon whose manifest says ``<series>.x.y.z``:
``odoo_addon_<addon>-<series>.x.y.z-py3-none-any.whl``.

The copy holds the addon's files tracked by git (as whool itself would take),
or all of them outside git, and lies outside any git repository (``DEST`` must
be), so that whool packs it as it is.

usage: stage_addon.py SERIES DEST ADDON_DIR...   (prints the staged directories)
"""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

SERIES_RE = re.compile(r"\d+\.0")
VERSION_RE = re.compile(r"""(["']version["']\s*:\s*["'])([^"']*)(["'])""")
SHORT_VERSION_RE = re.compile(r"\d+\.\d+\.\d+")


def tracked_files(addon):
    """The addon's files tracked by git, or None outside a git work tree."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "."],
            cwd=addon,
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [Path(p.decode()) for p in out.split(b"\0") if p]


def series_manifest(text, series):
    """The manifest ``text`` with its version ``x.y.z`` made ``<series>.x.y.z``."""
    matches = VERSION_RE.findall(text)
    if len(matches) != 1:
        raise ValueError("the manifest must have exactly one version key")
    version = matches[0][1]
    if not SHORT_VERSION_RE.fullmatch(version):
        raise ValueError(
            f"manifest version {version!r}: expected x.y.z (the series is added "
            "per build)"
        )
    staged = VERSION_RE.sub(rf"\g<1>{series}.{version}\g<3>", text)
    assert ast.literal_eval(staged)["version"] == f"{series}.{version}"
    return staged


def stage(addon, series, dest):
    addon = Path(addon).resolve()
    target = Path(dest) / addon.name
    if target.exists():
        shutil.rmtree(target)
    files = tracked_files(addon)
    if files is None:
        shutil.copytree(addon, target, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        for rel in files:
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(addon / rel, target / rel)
    manifest = target / "__manifest__.py"
    manifest.write_text(
        series_manifest(manifest.read_text(encoding="utf-8"), series),
        encoding="utf-8",
    )
    return target


def main(argv):
    if len(argv) < 3 or not SERIES_RE.fullmatch(argv[0]):
        sys.exit(__doc__.strip().splitlines()[-1])
    series, dest, addons = argv[0], argv[1], argv[2:]
    Path(dest).mkdir(parents=True, exist_ok=True)
    for addon in addons:
        print(stage(addon, series, dest))


if __name__ == "__main__":
    main(sys.argv[1:])
