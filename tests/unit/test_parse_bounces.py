"""Bounces and other automatic mail that real mail servers send (SPEC L5;
issue 11, item 6), written in the style of the servers' own notices.

RFC 3464 structure and RFC 3834 come first, the sender's local part after
them; a mail a person sends from a no-reply address (an ERP sending quotes
with the log address in BCC) is not automatic.
"""

import pytest
from conftest import TOOLS

parse = TOOLS.parse
autoreply = TOOLS.autoreply

ORIGINAL = """From: Sam Seller <sam@vendor.example>
To: Kim Customer <kim@customer.example>
Subject: Our offer
Date: Tue, 02 Nov 2021 10:00:00 +0100
Message-ID: <offer-1@vendor.example>

Dear Kim, please find our offer below.
"""

# Dragonfly's dma: an empty address, the original in the text body.
DAEMON_EMPTY_ADDRESS = f"""From: MAILER-DAEMON <>
To: sam@vendor.example
Subject: Mail delivery failed
Date: Tue, 02 Nov 2021 10:05:00 +0100
Message-Id: <dma-1@mx.vendor.example>

This is the DragonFly Mail Agent at mx.vendor.example.

There was an error delivering your mail to <kim@customer.example>.

mx.customer.example [192.0.2.7] did not like our RCPT TO:
550 5.1.1 <kim@customer.example>: Recipient address rejected: User unknown

Message headers follow.

{ORIGINAL}"""

# A mobile carrier's error notice (ISO-2022-JP text, original attached).
CARRIER_NOTICE = (
    b"""From: no-reply@mail.carrier.example
To: <sam@vendor.example>
Subject: =?ISO-2022-JP?B?GyRCJUEhPCVrJE5Bdz8uJEskYjwlR1QkNyReJDckPxsoQg==?=
Date: Tue, 02 Nov 2021 10:06:00 +0900
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="==_CARRIER"

This message is in MIME format.

--==_CARRIER
Content-Type: text/plain; charset="ISO-2022-JP"
Content-Transfer-Encoding: 7bit

Your mail sent on: Tue, 02 Nov 2021 10:00:00 +0100
     Could not be delivered to: <kim@customer.example>
     As their mailbox is full.

--==_CARRIER
Content-Type: message/rfc822
Content-Description: Original message

"""
    + ORIGINAL.encode()
    + b"""
--==_CARRIER--
"""
)

# Apache James: post_master@, a "Re:" subject, the error in a multipart.
JAMES = """From: post_master@mail.customer.example
To: sam@vendor.example
Subject: Re:Test message
Date: Tue, 02 Nov 2021 10:07:00 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="----=_Part_1"

------=_Part_1
Content-Type: multipart/alternative; boundary="----=_Part_2"

------=_Part_2
Content-Type: text/plain; charset=us-ascii

Error: Message could not be delivered to kim@customer.example
Original message:
From: Sam Seller <sam@vendor.example>
To: kim@customer.example
Sent: Tue, 02 Nov 2021 10:00:00 +0100
Subject: Test message

Hello
------=_Part_2--
------=_Part_1--
"""

# A delay notice whose MIME is broken: the delivery status is the whole
# message, and there is no From header.
DELAY_BROKEN = """Content-Type: message/delivery-status
MIME-Version: 1.0

Reporting-MTA: dns; mx.vendor.example
Arrival-Date: Tue, 02 Nov 2021 10:00:00 +0000

Final-Recipient: rfc822; <kim@customer.example>
Action: delayed
Status: 4.4.7
"""

# The same report lost in a text body (its multipart boundary never occurs).
DSN_AS_TEXT = """From: Delivery Reports <reports@relay.example>
To: sam@vendor.example
Subject: Your message
Date: Tue, 02 Nov 2021 10:08:00 +0100
MIME-Version: 1.0
Content-Type: multipart/report; boundary="never-used"

Reporting-MTA: dns; relay.example

Final-Recipient: rfc822; kim@customer.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown
"""

# OpenSMTPD / McAfee: a message/delivery-status part inside multipart/mixed.
STATUS_IN_MIXED = f"""From: Mailer Daemon <MAILER-DAEMON@localhost>
To: sam@vendor.example
Subject: Delivery status notification: delayed
Date: Tue, 02 Nov 2021 10:09:00 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="opensmtpd"

--opensmtpd
Content-Type: text/plain

Delivery to the following recipient has been delayed: kim@customer.example

--opensmtpd
Content-Type: message/delivery-status

Reporting-MTA: dns; localhost

Final-Recipient: rfc822; kim@customer.example
Action: delayed
Status: 4.0.0

--opensmtpd
Content-Type: text/rfc822-headers

{ORIGINAL.split(chr(10) + chr(10))[0]}
--opensmtpd--
"""

# A person forwards a sendmail bounce (Apple Mail, quoted block).
FORWARDED_BOUNCE = """From: Sam Seller <sam@vendor.example>
To: log@vendor.example
Subject: Fwd: Returned mail: see transcript for details
Date: Tue, 02 Nov 2021 10:10:00 +0100

Forward the message.

Begin forwarded message:

> From: Mail Delivery Subsystem <MAILER-DAEMON>
> Date: 2 November 2021 at 10:05:01 CET
> To: <sam@vendor.example>
> Subject: Returned mail: see transcript for details
>
>    ----- The following addresses had permanent fatal errors -----
> <kim@customer.example>
"""


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (DAEMON_EMPTY_ADDRESS, "bounce (mailer-daemon)"),
        (CARRIER_NOTICE, "bounce (no-reply returning the message)"),
        (JAMES, "bounce (post_master)"),
        (DELAY_BROKEN, "message/delivery-status part"),
        (DSN_AS_TEXT, "multipart/report delivery-status"),
        (STATUS_IN_MIXED, "message/delivery-status part"),
        (FORWARDED_BOUNCE, "forwarded bounce (from a mail daemon)"),
    ],
    ids=[
        "daemon-empty-address",
        "carrier-no-reply-original-attached",
        "james-post_master-re-subject",
        "delay-broken-mime-no-from",
        "report-lost-in-text",
        "status-part-in-mixed",
        "forwarded-bounce",
    ],
)
def test_bounces_are_auto(raw, reason):
    raw = raw if isinstance(raw, bytes) else raw.encode()
    mail = parse.parse_message(raw, log_addresses=["log@vendor.example"])
    assert (mail.kind, mail.auto_reason, mail.forward) == ("auto", reason, None)


def test_dsn_fields_in_a_text_body():
    """The fields of a report are enough when the MIME structure is lost."""
    raw = DSN_AS_TEXT.replace("multipart/report", "text/plain").encode()
    mail = parse.parse_message(raw)
    assert mail.auto_reason == "delivery-status fields in the body"


@pytest.mark.parametrize(
    "from_value",
    [
        "MAILER-DAEMON <>",
        "Mail Delivery Subsystem <MAILER-DAEMON>",
        "Mail Delivery System <>",
        "<postmaster>",
        "post_master@mail.customer.example",
        "Mailer-Daemon@mx.example (Mail Delivery System)",
    ],
)
def test_daemon_senders(from_value):
    assert autoreply.is_daemon(from_value)


@pytest.mark.parametrize(
    "from_value", ["Postmaster General <pg@acme.example>", "Sam <sam@vendor.example>"]
)
def test_not_daemon_senders(from_value):
    assert not autoreply.is_daemon(from_value)


def test_no_reply_sender_alone_is_not_automatic():
    """An application sending from noreply@ with the log address in BCC."""
    raw = (
        b"From: Vendor ERP <noreply@vendor.example>\n"
        b"To: kim@customer.example\n"
        b"Subject: Quote Q-1042\n"
        b"Delivered-To: log@vendor.example\n\n"
        b"Please find your quote attached.\n"
    )
    mail = parse.parse_message(raw, log_addresses=["log@vendor.example"])
    assert (mail.kind, mail.auto_reason) == ("bcc", None)


@pytest.mark.parametrize(
    "subject",
    ["Delivery delayed: new ETA for your order", "Returned goods", "Status: 5.1.1"],
)
def test_business_subjects_are_not_bounces(subject):
    raw = (
        f"From: Sam <sam@vendor.example>\nTo: kim@customer.example\n"
        f"Subject: {subject}\n\nHello Kim,\nAction: failed\n"
    ).encode()
    assert parse.parse_message(raw).kind == "bcc"
