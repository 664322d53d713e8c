"""Pure tests of natero_mail_trigger/tools/tracking.py (SPEC T7, T8), no Odoo."""

import pytest
from conftest import TRIGGER_TOOLS
from hypothesis import given
from hypothesis import strategies as st

tracking = TRIGGER_TOOLS.tracking

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
