"""Forwarded header blocks the clients write in less common shapes (SPEC L2;
issue 11, items 3 to 5): wrapped (folded) values, fields and body on one
line, blocks without a From line.  Written in the style of each client.
"""

import pytest
from conftest import TOOLS

parse = TOOLS.parse
LONG = "Renewal of the support contract and the licences for the coming year"
FIRST, SECOND = (
    "Renewal of the support contract and the licences",
    "for the coming year",
)
LONG_DE = "Angebot für die Erneuerung der Lizenzen und die Wartung im kommenden Jahr"
FIRST_DE, SECOND_DE = (
    "Angebot für die Erneuerung der Lizenzen und die",
    "Wartung im kommenden Jahr",
)
BODY = "Dear Sam, could you send the new prices?"


def make(subject, body, content_type="text/plain", to="log@vendor.example"):
    return (
        f"From: Sam Seller <sam@vendor.example>\nTo: {to}\nSubject: {subject}\n"
        "Date: Tue, 02 Nov 2021 10:00:00 +0100\nMessage-ID: <b-1@vendor.example>\n"
        f'MIME-Version: 1.0\nContent-Type: {content_type}; charset="utf-8"\n'
        f"Content-Transfer-Encoding: 8bit\n\n{body}"
    ).encode()


def forward_of(subject, body, **kwargs):
    mail = parse.parse_message(make(subject, body, **kwargs))
    assert mail.kind == "forward", mail.auto_reason
    return mail.forward


# --- item 3: a folded Subject keeps its continuation ----------------------

GMAIL_EN = f"""FYI

---------- Forwarded message ---------
From: Kim Customer <kim@customer.example>
Date: Wed, Oct 27, 2021 at 3:14 PM
Subject: {FIRST}
{SECOND}
To: Sam Seller <sam@vendor.example>


{BODY}
"""

GMAIL_DE = f"""Zur Info

---------- Weitergeleitete Nachricht ---------
Von: Kim Kundin <kim@customer.example>
Date: Mi., 27. Okt. 2021 um 15:14 Uhr
Subject: {FIRST_DE}
{SECOND_DE}
To: Sam Seller <sam@vendor.example>


{BODY}
"""

OUTLOOK_QUOTED = f"""See below.

-----Original Message-----
> From: Kim Customer [mailto:kim@customer.example]
> Sent: Wednesday, October 27, 2021 3:14 PM
> To: Sam Seller <sam@vendor.example>
> Subject: {FIRST}
> {SECOND}
>
> {BODY}
"""

OUTLOOK_QUOTED_DE = f"""Siehe unten.

> Von: Kim Kundin <kim@customer.example>
> Gesendet: Mittwoch, 27. Oktober 2021 15:14
> An: Sam Seller <sam@vendor.example>
> Betreff: {FIRST_DE}
> {SECOND_DE}
>
> {BODY}
"""

# RFC 5322-style folding (a leading space), the wrap in the middle of the
# block, with an outer subject the user edited.
THUNDERBIRD_FOLDED = f"""

-------- Forwarded Message --------
Subject: \t{FIRST}
 {SECOND}
Date: \tWed, 27 Oct 2021 15:14:00 +0200
From: \tKim Customer <kim@customer.example>
To: \tSam Seller <sam@vendor.example>



{BODY}
"""


@pytest.mark.parametrize(
    ("outer", "body", "expected"),
    [
        (f"Fwd: {LONG}", GMAIL_EN, LONG),
        (f"Fwd: {LONG_DE}", GMAIL_DE, LONG_DE),
        (f"FW: {LONG}", OUTLOOK_QUOTED, LONG),
        (f"WG: {LONG_DE}", OUTLOOK_QUOTED_DE, LONG_DE),
        ("Fwd: please log", THUNDERBIRD_FOLDED, LONG),
    ],
    ids=["gmail-en", "gmail-de", "outlook-quoted", "outlook-quoted-de", "folded"],
)
def test_folded_subject_keeps_its_continuation(outer, body, expected):
    info = forward_of(outer, body)
    assert info.subject == expected
    assert info.from_addr == "kim@customer.example"
    assert info.to == ("sam@vendor.example",)
    assert info.body_text == BODY


def test_wrapped_recipients_continue_when_the_block_goes_on():
    """Any value may wrap: the next line is a new field of the same block."""
    body = (
        "---------- Forwarded message ---------\n"
        "From: Kim Customer <kim@customer.example>\n"
        "Date: Wed, Oct 27, 2021 at 3:14 PM\n"
        "Subject: Prices\n"
        "To: Sam Seller <sam@vendor.example>, Bob Builder\n"
        "<bob@vendor.example>\n"
        "Cc: Carla <carla@customer.example>\n\n"
        f"{BODY}\n"
    )
    info = forward_of("Fwd: Prices", body)
    assert info.to == ("sam@vendor.example", "bob@vendor.example")
    assert info.cc == ("carla@customer.example",)


def test_body_line_below_the_subject_is_not_a_continuation():
    """Outlook's HTML has no blank line between Subject and the body."""
    html = (
        "<p>See below</p><div><p><b>From:</b> Kim &lt;kim@customer.example&gt;"
        "<br><b>Sent:</b> Wednesday, October 27, 2021 3:14 PM<br>"
        "<b>To:</b> sam@vendor.example<br><b>Subject:</b> Prices</p></div>"
        f"<p>{BODY}</p><p>Kind regards</p>"
    )
    info = forward_of("FW: Prices", html, content_type="text/html")
    assert info.subject == "Prices"
    assert info.body_text.startswith(BODY)


# --- item 4: Samsung Email's HTML without line breaks ----------------------

SAMSUNG = (
    '<html><head><meta charset="UTF-8"></head><body><div dir="auto">FYI</div>'
    '<div dir="auto"><br></div><div align="left" dir="auto" '
    'style="font-size:100%;color:#000000">-------- Original message --------'
    "From: Kim Customer &lt;kim@customer.example&gt; Date: 27/10/2021 15:14 "
    "(GMT+01:00) To: Sam Seller &lt;sam@vendor.example&gt; Subject: {subject} "
    "{body}</div></body></html>"
)
SAMSUNG_DE = SAMSUNG.replace("Original message", "Ursprüngliche Nachricht").replace(
    "From:", "Von:"
)
SAMSUNG_DE = (
    SAMSUNG_DE.replace("Date:", "Datum:")
    .replace("To:", "An:")
    .replace("Subject:", "Betreff:")
)
SAMSUNG_NEXT_LINE = SAMSUNG.replace(
    "-------- Original message --------",
    "<div>-------- Original message --------</div>",
)


@pytest.mark.parametrize(
    "markup", [SAMSUNG, SAMSUNG_DE, SAMSUNG_NEXT_LINE], ids=["en", "de", "next-line"]
)
def test_samsung_subject_does_not_swallow_the_body(markup):
    html = markup.format(subject="Prices 2022", body=BODY)
    info = forward_of("Fwd: Prices 2022", html, content_type="text/html")
    assert info.subject == "Prices 2022"
    assert info.from_addr == "kim@customer.example"
    assert info.to == ("sam@vendor.example",)
    assert info.body_text == BODY
    assert info.date.isoformat() == "2021-10-27T15:14:00+01:00"


# --- item 5: a Thunderbird block without a From line ----------------------

THUNDERBIRD_NO_FROM = f"""

-------- Forwarded Message --------
Subject: \tPrices 2022
Date: \tWed, 27 Oct 2021 15:14:00 +0200
To: \tKim Customer <kim@customer.example>



{BODY}
"""

THUNDERBIRD_NO_FROM_HTML = (
    '<html><body><p><br></p><div class="moz-forward-container"><br><br>'
    "-------- Forwarded Message --------"
    '<table class="moz-email-headers-table" border="0" cellpadding="0" '
    'cellspacing="0"><tbody><tr><th valign="BASELINE" nowrap="nowrap" '
    'align="RIGHT">Subject: </th><td>Prices 2022</td></tr>'
    '<tr><th valign="BASELINE" nowrap="nowrap" align="RIGHT">Date: </th>'
    "<td>Wed, 27 Oct 2021 15:14:00 +0200</td></tr>"
    '<tr><th valign="BASELINE" nowrap="nowrap" align="RIGHT">To: </th>'
    '<td>Kim Customer <a class="moz-txt-link-rfc2396E" '
    'href="mailto:kim@customer.example">&lt;kim@customer.example&gt;</a></td>'
    f"</tr></tbody></table><br><br><p>{BODY}</p></div></body></html>"
)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(THUNDERBIRD_NO_FROM, "text/plain"), (THUNDERBIRD_NO_FROM_HTML, "text/html")],
    ids=["text", "html"],
)
def test_thunderbird_block_without_from(body, content_type):
    mail = parse.parse_message(make("Fwd: Prices 2022", body, content_type))
    record = parse.cli_record(mail, "x.eml")
    assert record["kind"] == "forward"
    assert record["original_subject"] == "Prices 2022"
    assert record["original_from"] is None
    assert record["original_to"] == ["kim@customer.example"]
    assert record["original_date"] == "2021-10-27T15:14:00+02:00"
    assert not mail.forward_unparsed
    assert mail.forward.body_text == BODY
