#!/usr/bin/env python3
"""Count the tests of JUnit XML files (pytest's --junitxml, setup/odoo_junit.py).

Usage: junit_summary.py FILE...   -> prints "PASSED FAILED ERRORS SKIPPED TOTAL"
                                     then the ids of tests that did not pass

Each <testcase> is one test, counted once: failed if it has a <failure>, else
an error if it has an <error>, else skipped if it has a <skipped>, else passed.
A missing or unreadable file exits 2.
"""

import sys
from xml.etree import ElementTree as ET


def outcome(case):
    for tag, name in (
        ("failure", "failed"),
        ("error", "error"),
        ("skipped", "skipped"),
    ):
        if case.find(tag) is not None:
            return name
    return "passed"


def summarise(paths):
    """Return ({outcome: count}, [(outcome, test id, message)]) over the files."""
    counts = dict.fromkeys(("passed", "failed", "error", "skipped"), 0)
    problems = []
    for path in paths:
        for case in ET.parse(path).getroot().iter("testcase"):
            result = outcome(case)
            counts[result] += 1
            if result in ("failed", "error"):
                child = case.find("failure" if result == "failed" else "error")
                name = f"{case.get('classname')}.{case.get('name')}"
                problems.append((result, name, (child.get("message") or "")[:200]))
    return counts, problems


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    try:
        counts, problems = summarise(argv[1:])
    except (OSError, ET.ParseError) as error:
        print(f"cannot read the test results: {error}", file=sys.stderr)
        return 2
    total = sum(counts.values())
    print(counts["passed"], counts["failed"], counts["error"], counts["skipped"], total)
    for result, name, message in problems:
        print(f"{result.upper()}: {name}: {message}".replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
