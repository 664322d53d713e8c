"""Load ``natero_mail_log/tools`` without importing the addon (which needs Odoo).

Used by ``setup/parse-email`` and ``tests/unit/conftest.py``.
"""

import importlib
import importlib.util
import sys
from pathlib import Path

PACKAGE = "natero_mail_log_tools"
TOOLS_DIR = Path(__file__).resolve().parent.parent / "natero_mail_log" / "tools"
SUBMODULES = (
    "addresses",
    "dates",
    "htmltext",
    "mime",
    "autoreply",
    "forwards",
    "parse",
)


def load_tools():
    """Import the tools package under the name ``natero_mail_log_tools``."""
    if PACKAGE in sys.modules:
        return sys.modules[PACKAGE]
    spec = importlib.util.spec_from_file_location(
        PACKAGE,
        TOOLS_DIR / "__init__.py",
        submodule_search_locations=[str(TOOLS_DIR)],
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    try:
        spec.loader.exec_module(package)
        for name in SUBMODULES:
            setattr(package, name, importlib.import_module(f"{PACKAGE}.{name}"))
    except BaseException:
        for name in [PACKAGE] + [f"{PACKAGE}.{sub}" for sub in SUBMODULES]:
            sys.modules.pop(name, None)
        raise
    return package
