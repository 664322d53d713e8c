"""``setup/parse-email`` run as a subprocess (SPEC L2 command-line parser)."""

import json
import subprocess
import sys

import pytest
from conftest import CLI_FIELDS, CORPUS_MISSING, REPO, corpus_dir, corpus_entries

SCRIPT = REPO / "setup" / "parse-email"
KEYS = {"file", *CLI_FIELDS}
FORWARD = b"""From: Sam <sam@vendor.example>
To: log@vendor.example
Subject: Fwd: Offer
Date: Tue, 02 Nov 2021 10:00:00 +0100

---------- Forwarded message ---------
From: Anna <anna@customer.example>
Date: Wed, 27 Oct 2021 15:14:00 +0200
Subject: Offer
To: sam@vendor.example

Hello
"""


def run(*args):
    """Run the CLI with the system interpreter; (exit status, JSON lines)."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    return done.returncode, lines, done.stderr.decode()


def test_forward_record(tmp_path):
    path = tmp_path / "fwd.eml"
    path.write_bytes(FORWARD)
    status, [record], _err = run(path)
    assert status == 0
    assert set(record) == KEYS
    assert record == {
        "file": str(path),
        "kind": "forward",
        "outer_from": "sam@vendor.example",
        "original_from": "anna@customer.example",
        "original_to": ["sam@vendor.example"],
        "original_cc": [],
        "original_subject": "Offer",
        "original_date": "2021-10-27T15:14:00+02:00",
    }


def test_errors_give_status_one(tmp_path):
    good, junk = tmp_path / "good.eml", tmp_path / "junk.bin"
    good.write_bytes(FORWARD)
    junk.write_bytes(bytes(range(256)))
    status, records, _err = run(good, junk, tmp_path / "missing.eml")
    assert status == 1
    assert records[0]["kind"] == "forward"
    assert (
        set(records[1]) == {"file", "error"} and "not an e-mail" in records[1]["error"]
    )
    assert set(records[2]) == {"file", "error"} and "cannot read" in records[2]["error"]


def test_usage_without_arguments():
    status, records, err = run()
    assert status == 2 and records == [] and "Usage" in err


@pytest.mark.skipif(not corpus_entries(), reason=CORPUS_MISSING)
def test_whole_corpus_in_one_run():
    entries = corpus_entries()
    status, records, _err = run(*(corpus_dir() / e["file"] for e in entries))
    assert status == 0 and len(records) == len(entries)
    for entry, record in zip(entries, records, strict=True):
        assert set(record) == KEYS
        if not entry.get("ambiguous"):
            assert {k: record[k] for k in KEYS - {"file"}} == {
                k: entry[k] for k in KEYS - {"file"}
            }, entry["file"]


def test_works_without_odoo_on_the_path(tmp_path):
    """The CLI never imports the addon (whose __init__ imports Odoo)."""
    path = tmp_path / "fwd.eml"
    path.write_bytes(FORWARD)
    done = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            "import runpy,sys,site; site.main(); sys.modules['odoo']=None;"
            f"sys.argv=['parse-email', {str(path)!r}];"
            f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')",
        ],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["kind"] == "forward"


def test_missing_lxml_gives_a_clear_message():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runpy,sys; sys.modules['lxml']=None;"
            "sys.argv=['parse-email', 'x.eml'];"
            f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')",
        ],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert "lxml" in done.stderr.decode() and "setup/run" in done.stderr.decode()
