"""Load an addon's ``tools`` package without importing the addon (which needs Odoo).

Used by ``setup/parse-email`` and ``tests/unit/conftest.py``.
"""

import importlib
import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "natero_mail_log_tools"
SUBMODULES = (
    "addresses",
    "dates",
    "htmltext",
    "mime",
    "headers",
    "autoreply",
    "forwards",
    "parse",
    "policy",
)


def load_addon_tools(addon, submodules=()):
    """Import ``<addon>/tools`` as the package ``<addon>_tools``."""
    package_name = f"{addon}_tools"
    if package_name in sys.modules:
        return sys.modules[package_name]
    tools_dir = REPO / addon / "tools"
    spec = importlib.util.spec_from_file_location(
        package_name,
        tools_dir / "__init__.py",
        submodule_search_locations=[str(tools_dir)],
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[package_name] = package
    try:
        spec.loader.exec_module(package)
        for name in submodules:
            module = importlib.import_module(f"{package_name}.{name}")
            setattr(package, name, module)
    except BaseException:
        for name in [package_name] + [f"{package_name}.{sub}" for sub in submodules]:
            sys.modules.pop(name, None)
        raise
    return package


def load_tools():
    """The parser and policy of natero_mail_log (``natero_mail_log_tools``)."""
    return load_addon_tools("natero_mail_log", SUBMODULES)
