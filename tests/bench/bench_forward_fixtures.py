"""Benchmark: forwarded-block recovery on a directory of forward fixtures.

Measures the forwarded-email parser (``natero_mail_log/tools``) on the public
fixtures of crisp-oss/email-forward-parser (MIT), which are NOT part of this
repository: get them separately and pass their directory, e.g.::

    .venv/bin/python tests/bench/bench_forward_fixtures.py /tmp/crisp/test/fixtures

Each ``*_body*.txt`` is the text body of a forward; it is wrapped in a mail
from ``sam.seller@vendor.example`` to ``log@vendor.example`` whose Subject is
the matching ``*_subject*.txt`` when there is one, else
``Fwd: Integer consequat non purus``.  The fixtures' original message is from
John Doe <john.doe@acme.com>, subject "Integer consequat non purus", to
bessie.berry@acme.com / suzanne@globex.corp, cc walter.sheltan@acme.com /
nicholas@globex.corp.  Prints the number of fixtures, of forwards detected, of
original senders, subjects and to/cc recovered, the misses, and parse times.

``--no-prefix`` measures what the body decides alone (issue 11, item 7): the
Subject loses its forward prefix, every mail carries In-Reply-To/References
(as Gmail and Outlook forwards do), and the fixtures that are replies
(``*_variant_4``, per the fixtures' own tests) are addressed to the quoted
sender, as a reply is; it prints how many replies are taken for forwards.
"""

import argparse
import glob
import os
import statistics
import sys
import time
from email.message import EmailMessage

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "setup"))

from _tools_loader import load_tools  # noqa: E402

REPLIES = "_variant_4"  # the fixtures the upstream tests expect as not forwarded
THREAD = (("In-Reply-To", "<orig@acme.com>"), ("References", "<orig@acme.com>"))

SENDER = "john.doe@acme.com"
SUBJECT = "Integer consequat non purus"
TO = ("bessie.berry@acme.com", "suzanne@globex.corp")
CC = ("walter.sheltan@acme.com", "nicholas@globex.corp")
LOG = "log@vendor.example"
# The first words of the fixtures' forwarded texts.
TEXT_STARTS = ("aenean quis", "unicum iter")


def wrap(body, subject, to=LOG, headers=()):
    """The fixture body as raw mail bytes."""
    message = EmailMessage()
    message["From"] = "sam.seller@vendor.example"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = "<bench@vendor.example>"
    for name, value in headers:
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


def load(path):
    """(body, subject) of one fixture."""
    with open(path, encoding="utf-8") as handle:
        body = handle.read()
    subject_path = path.replace("_body", "_subject")
    subject = f"Fwd: {SUBJECT}"
    if os.path.exists(subject_path):
        with open(subject_path, encoding="utf-8") as handle:
            subject = handle.read().strip()
    return body, subject


def expected_recipients(body):
    """(to, cc) the fixture shows: the known addresses written in the body
    above the forwarded text (which starts with one of ``TEXT_STARTS``)."""
    lowered = body.lower()
    ends = [lowered.find(start) for start in TEXT_STARTS]
    lowered = lowered[: min((end for end in ends if end >= 0), default=len(lowered))]
    return (
        [a for a in TO if a in lowered],
        [a for a in CC if a in lowered],
    )


def measure(directory, no_prefix=False):
    """Parse every fixture; returns the counters, the misses and the timings."""
    tools = load_tools()
    paths = sorted(glob.glob(os.path.join(directory, "*_body*.txt")))
    counts = {"fixtures": 0, "forward": 0, "sender": 0, "subject": 0, "to/cc": 0}
    if no_prefix:
        counts.update(replies=0, taken=0)
    misses, timings = [], []
    for path in paths:
        body, subject = load(path)
        name = os.path.basename(path)[: -len(".txt")]
        if no_prefix:
            subject = tools.forwards.strip_forward_prefix(subject)
            reply = REPLIES in name
            to = SENDER if reply else LOG
            raw = wrap(body, subject, to=to, headers=THREAD)
        else:
            reply, raw = False, wrap(body, subject)
        started = time.perf_counter()
        parsed = tools.parse.parse_message(raw, log_addresses={LOG})
        timings.append(time.perf_counter() - started)
        if reply:
            counts["replies"] += 1
            if parsed.kind == "forward":
                counts["taken"] += 1
                misses.append((name, "reply taken for a forward"))
            continue
        counts["fixtures"] += 1
        info = parsed.forward if parsed.kind == "forward" else None
        if info is None:
            why = (
                "no block found" if parsed.kind == "forward" else f"kind={parsed.kind}"
            )
            misses.append((name, why))
            continue
        counts["forward"] += 1
        if info.from_addr == SENDER:
            counts["sender"] += 1
        else:
            misses.append((name, f"from={info.from_addr!r} name={info.from_name!r}"))
        if info.subject == SUBJECT:
            counts["subject"] += 1
        to, cc = expected_recipients(body)
        if list(info.to) == to and list(info.cc) == cc:
            counts["to/cc"] += 1
    return counts, misses, timings


def main(argv=None):
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("fixtures", help="directory holding the *_body*.txt files")
    parser.add_argument(
        "--no-prefix",
        action="store_true",
        help="no forward prefix, thread headers, replies sent to the quoted sender",
    )
    args = parser.parse_args(argv)
    counts, misses, timings = measure(args.fixtures, args.no_prefix)
    total = counts["fixtures"]
    if not total:
        sys.stderr.write(f"no *_body*.txt file in {args.fixtures}\n")
        return 1
    print(f"fixtures:                  {total}")
    print(f"forwards detected:         {counts['forward']}/{total}")
    print(f"original sender recovered: {counts['sender']}/{total}")
    print(f"subject recovered:         {counts['subject']}/{total}")
    print(f"to/cc recovered:           {counts['to/cc']}/{total}")
    if args.no_prefix:
        print(f"replies taken for forwards: {counts['taken']}/{counts['replies']}")
    median = statistics.median(timings) * 1000
    print(f"parse time: median {median:.3f} ms, max {max(timings) * 1000:.3f} ms")
    print(f"misses ({len(misses)}):")
    for name, why in misses:
        print(f"  {name}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
