"""Shared fixtures of the Odoo-free unit tests.

The parser package ``natero_mail_log/tools`` is loaded through
``setup/_tools_loader.py`` (without the addon's ``__init__``, which needs Odoo).
The corpus (SPEC L2 test data) is read from ``$NATERO_CORPUS``, else from
``<repo>/../shared/corpus``; corpus tests skip with a reason when it is absent.
"""

import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "setup"))

from _tools_loader import load_addon_tools, load_tools  # noqa: E402

TOOLS = load_tools()
TRIGGER_TOOLS = load_addon_tools(
    "natero_mail_trigger",
    ("schedule", "controls", "tokens", "tracking", "rules", "export", "smtp"),
)


def corpus_dir():
    """The corpus directory (may not exist)."""
    configured = os.environ.get("NATERO_CORPUS")
    return Path(configured) if configured else REPO.parent / "shared" / "corpus"


def corpus_entries():
    """expected.json entries, or [] when the corpus is absent."""
    expected = corpus_dir() / "expected.json"
    if not expected.is_file():
        return []
    return json.loads(expected.read_text(encoding="utf-8"))


# The parse fields of `setup/parse-email` (SPEC L2), besides "file".
CLI_FIELDS = (
    "kind",
    "outer_from",
    "original_from",
    "original_to",
    "original_cc",
    "original_subject",
    "original_date",
)

CORPUS_MISSING = (
    f"corpus not found at {corpus_dir()} (set NATERO_CORPUS or put shared/ "
    "beside the repository)"
)


@pytest.fixture(scope="session")
def load_registry():
    """No Odoo here: override pytest-odoo's autouse registry fixture."""
    yield


@pytest.fixture(scope="module")
def enable_odoo_test_flag():
    """No Odoo here: override pytest-odoo's autouse test-flag fixture."""
    yield


@pytest.fixture(scope="session")
def tools():
    """The loaded ``natero_mail_log/tools`` package."""
    return TOOLS


@pytest.fixture(scope="session")
def parse():
    """The ``parse`` module of the tools package."""
    return TOOLS.parse
