"""Pure tests of natero_mail_trigger/tools/tracking.py (SPEC T7, T8), no Odoo."""

import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st


def _load_tools():
    name = "natero_mail_trigger_tools"
    if name not in sys.modules:
        tools = Path(__file__).resolve().parents[2] / "natero_mail_trigger" / "tools"
        init = tools / "__init__.py"
        spec = importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(tools)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def load_registry():
    """No Odoo here: override pytest-odoo's autouse registry fixture."""
    yield


@pytest.fixture(scope="module")
def enable_odoo_test_flag():
    yield


tracking = _load_tools().tracking

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
OUTLOOK = (
    "Mozilla/4.0 (compatible; ms-office; MSOffice 16) Microsoft Outlook 16.0.17928"
)


@pytest.mark.parametrize(
    ("agent", "seconds", "code"),
    [
        (FIREFOX, 3600, tracking.HUMAN),
        (OUTLOOK, 120, tracking.HUMAN),
        (FIREFOX, None, tracking.HUMAN),
        (FIREFOX, 3, tracking.TOO_SOON),
        (
            "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 "
            "(via ggpht.com GoogleImageProxy)",
            3600,
            tracking.PROXY,
        ),
        ("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy", 3600, "proxy"),
        ("Mozilla/5.0", 3600, tracking.PRIVACY),
        (" mozilla/5.0 ", 3600, tracking.PRIVACY),
        ("python-requests/2.31", 3600, tracking.SCANNER),
        ("Barracuda Sentinel (EE)", 3600, tracking.SCANNER),
        ("", 3600, tracking.NO_AGENT),
        (None, 3600, tracking.NO_AGENT),
    ],
)
def test_classify_open(agent, seconds, code):
    verdict = tracking.classify_open(agent, seconds)
    assert verdict.code == code
    assert verdict.automated is (code != tracking.HUMAN)


def test_threshold_is_a_parameter():
    assert not tracking.classify_open(FIREFOX, 30, threshold=10).automated
    assert tracking.classify_open(FIREFOX, 30, threshold=60).automated


@given(st.text(max_size=200), st.one_of(st.none(), st.floats(allow_nan=False)))
def test_classify_open_never_fails(agent, seconds):
    assert tracking.classify_open(agent, seconds).code in {
        tracking.HUMAN,
        tracking.PROXY,
        tracking.PRIVACY,
        tracking.SCANNER,
        tracking.TOO_SOON,
        tracking.NO_AGENT,
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Your monthly report is ready", "Your monthly report is ready"),
        ("{{ object.name }}, we miss you", "…, we miss you"),
        (
            "Hello {{ object.name }} of {{ object.commercial_partner_id.name }}",
            "Hello … of …",
        ),
        ("{{ object.name }}", "Fallback"),
        ("{{ object.name }} — {{ object.email }}!", "Fallback"),
        ("", "Fallback"),
        (None, "Fallback"),
        ("Tip  for\n{{\nobject.name\n}}", "Tip for …"),
    ],
)
def test_generic_subject(raw, expected):
    assert tracking.generic_subject(raw, "Fallback") == expected


@given(st.text(max_size=100))
def test_generic_subject_never_shows_a_variable(raw):
    subject = tracking.generic_subject("Hi {{ object.name }} " + raw, "Fallback")
    assert "object.name" not in subject
