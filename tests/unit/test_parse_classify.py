"""Forward or reply when the outer Subject has no prefix (SPEC L2; issue 11,
item 7): the body decides from where the header block sits.

* A forwarded block sits right below the new text, at the new text's depth;
  a reply's quoted history sits below an attribution line ("On ... wrote:")
  or inside quoted (``>``) text.
* A reply goes to the people of the block it quotes; a forward goes to the
  log address or to someone new.
* In-Reply-To / References do not decide: Gmail and Outlook set them on
  forwards as well.
Mails written in the style of each client.
"""

import pytest
from conftest import TOOLS

parse = TOOLS.parse
LOG = "log@vendor.example"
THREAD = "In-Reply-To: <p-1@customer.example>\nReferences: <p-1@customer.example>\n"


def make(subject, body, to=LOG, headers="", content_type="text/plain"):
    return (
        f"From: Sam Seller <sam@vendor.example>\nTo: {to}\nSubject: {subject}\n"
        "Date: Tue, 02 Nov 2021 10:00:00 +0100\nMessage-ID: <c-1@vendor.example>\n"
        f"{headers}MIME-Version: 1.0\n"
        f'Content-Type: {content_type}; charset="utf-8"\n'
        f"Content-Transfer-Encoding: 8bit\n\n{body}"
    ).encode()


def classify(subject, body, **kwargs):
    return parse.parse_message(make(subject, body, **kwargs), log_addresses=[LOG])


# --- forwards without a prefix: no marker line, thread headers present -----

OUTLOOK_365_HTML = (
    '<html><body><div class="WordSection1"><p class="MsoNormal">Please log this.'
    '</p><div><div style="border:none;border-top:solid #E1E1E1 1.0pt;'
    'padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>From:</b> Kim Customer '
    "&lt;kim@customer.example&gt; <br><b>Sent:</b> Wednesday, October 27, 2021 "
    "3:14 PM<br><b>To:</b> Sam Seller &lt;sam@vendor.example&gt;<br>"
    "<b>Subject:</b> Prices 2022</p></div></div>"
    '<p class="MsoNormal">Could you send the new prices?</p></div></body></html>'
)

OUTLOOK_TEXT_DE = """Zur Info.

________________________________
Von: Kim Kundin <kim@customer.example>
Gesendet: Mittwoch, 27. Oktober 2021 15:14
An: Sam Seller <sam@vendor.example>
Betreff: Preise 2022

Können Sie die neuen Preise schicken?
"""

OUTLOOK_MAC = """On 27/10/2021 15:14, "Kim Customer" <kim@customer.example> wrote:

    Could you send the new prices?
"""


@pytest.mark.parametrize(
    ("body", "content_type", "to", "headers"),
    [
        (OUTLOOK_365_HTML, "text/html", LOG, THREAD + "Thread-Index: AQHX\n"),
        (OUTLOOK_TEXT_DE, "text/plain", LOG, THREAD),
        # To a colleague, the log address in BCC (envelope only).
        (
            OUTLOOK_TEXT_DE,
            "text/plain",
            "Cole League <cole@vendor.example>",
            THREAD + f"Delivered-To: {LOG}\n",
        ),
        (OUTLOOK_MAC, "text/plain", LOG, THREAD),
    ],
    ids=["outlook-365-html", "outlook-text-de", "to-colleague-bcc-log", "outlook-mac"],
)
def test_forward_without_prefix(body, content_type, to, headers):
    mail = classify(
        "Prices 2022", body, to=to, headers=headers, content_type=content_type
    )
    assert mail.kind == "forward"
    assert mail.forward.from_addr == "kim@customer.example"


def test_forward_without_prefix_in_cli_record():
    """setup/parse-email knows no log address: the body decides alone."""
    mail = parse.parse_message(make("Prices 2022", OUTLOOK_TEXT_DE, headers=THREAD))
    record = parse.cli_record(mail, "x.eml")
    assert (record["kind"], record["original_from"]) == (
        "forward",
        "kim@customer.example",
    )


# --- replies without a prefix: a forwarded block in the quoted history -----

GMAIL_REPLY = """Thanks Kim, I will call Zed.

On Wed, Oct 27, 2021 at 3:14 PM Kim Customer <kim@customer.example> wrote:

> FYI
>
> ---------- Forwarded message ---------
> From: Zed Zulu <zed@other.example>
> Date: Tue, Oct 26, 2021 at 9:00 AM
> Subject: Prices 2022
> To: <kim@customer.example>
>
> Hello
"""

GMAIL_REPLY_HTML = (
    '<div dir="ltr">Thanks Kim, I will call Zed.</div><br><div class="gmail_quote">'
    '<div dir="ltr" class="gmail_attr">On Wed, Oct 27, 2021 at 3:14 PM Kim '
    'Customer &lt;<a href="mailto:kim@customer.example">kim@customer.example</a>'
    '&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px '
    '0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
    '<div dir="ltr">FYI<br><br><div class="gmail_quote"><div dir="ltr" '
    'class="gmail_attr">---------- Forwarded message ---------<br>From: <strong '
    'class="gmail_sendername" dir="auto">Zed Zulu</strong> <span dir="auto">'
    '&lt;<a href="mailto:zed@other.example">zed@other.example</a>&gt;</span><br>'
    "Date: Tue, Oct 26, 2021 at 9:00 AM<br>Subject: Prices 2022<br>To: &lt;"
    '<a href="mailto:kim@customer.example">kim@customer.example</a>&gt;<br>'
    '</div><br><br><div dir="ltr">Hello</div></div></div></blockquote></div>'
)

THUNDERBIRD_REPLY = """Thanks, noted.

On 27.10.21 15:14, Kim Customer wrote:
> -------- Forwarded Message --------
> Subject: \tPrices 2022
> Date: \tTue, 26 Oct 2021 09:00:00 +0200
> From: \tZed Zulu <zed@other.example>
> To: \tkim@customer.example
>
> Hello
"""

APPLE_REPLY = """Thanks!

> On 27 Oct 2021, at 15:14, Kim Customer <kim@customer.example> wrote:
>
> Begin forwarded message:
>
>> From: Zed Zulu <zed@other.example>
>> Subject: Prices 2022
>> Date: 26 October 2021 at 09:00:00 CEST
>> To: kim@customer.example
>>
>> Hello
"""

JAPANESE_REPLY = """ありがとうございます。

2021年10月27日(水) 15:14 Kim Customer <kim@customer.example>:

> ---------- Forwarded message ---------
> From: Zed Zulu <zed@other.example>
> Date: 2021年10月26日(火) 9:00
> Subject: Prices 2022
> To: <kim@customer.example>
>
> Hello
"""

MARKER_ONLY_REPLY = """Thanks!

On Wed, Oct 27, 2021 at 3:14 PM Kim Customer <kim@customer.example> wrote:
> FYI
> ---------- Forwarded message ---------
> (the forwarded text was cut)
"""


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (GMAIL_REPLY, "text/plain"),
        (GMAIL_REPLY_HTML, "text/html"),
        (THUNDERBIRD_REPLY, "text/plain"),
        (APPLE_REPLY, "text/plain"),
        (JAPANESE_REPLY, "text/plain"),
        (MARKER_ONLY_REPLY, "text/plain"),
    ],
    ids=["gmail", "gmail-html", "thunderbird", "apple", "ja-no-verb", "marker-only"],
)
@pytest.mark.parametrize("to", [LOG, "Kim Customer <kim@customer.example>"])
def test_reply_quoting_a_forward_is_not_a_forward(body, content_type, to):
    mail = classify("Prices 2022", body, to=to, content_type=content_type)
    assert (mail.kind, mail.forward, mail.forward_unparsed) == ("bcc", None, False)


OUTLOOK_REPLY = """Yes, 10 licences.

From: Kim Customer <kim@customer.example>
Sent: Wednesday, October 27, 2021 3:14 PM
To: Sam Seller <sam@vendor.example>
Subject: Prices 2022

How many licences?
"""


@pytest.mark.parametrize(
    "to",
    [
        "Kim Customer <kim@customer.example>",
        "Kim Customer <kim.customer@customer.example>",  # the block shows a name
        "Bob <bob@vendor.example>, kim@customer.example",
    ],
)
def test_outlook_reply_goes_to_the_quoted_people(to):
    body = OUTLOOK_REPLY
    if "kim.customer" in to:
        body = body.replace(" <kim@customer.example>", "")
    mail = classify("Prices 2022", body, to=to, headers=THREAD)
    assert mail.kind == "bcc"


def test_same_block_sent_to_the_log_is_a_forward():
    mail = classify("Prices 2022", OUTLOOK_REPLY, headers=THREAD)
    assert mail.kind == "forward"


def test_forward_prefix_over_an_attribution_header_with_a_nested_block():
    """Outlook for Mac: the attribution line is the forwarded message's
    header, the block below it belongs to that message."""
    body = OUTLOOK_MAC + (
        "\n    ---------- Forwarded message ---------\n"
        "    From: Zed Zulu <zed@other.example>\n"
        "    Date: Tue, Oct 26, 2021 at 9:00 AM\n"
        "    Subject: Prices 2022\n"
        "    To: <kim@customer.example>\n\n    Hello\n"
    )
    mail = classify("FW: Prices 2022", body)
    assert mail.forward.from_addr == "kim@customer.example"
    assert mail.forward.deepest_from == "zed@other.example"


def test_note_ending_in_wrote_is_no_attribution():
    """A note above a forward may end with "wrote:" without being a reply's
    attribution line (no date, no address, no quoted text below)."""
    body = (
        "See what Kim wrote:\n\n---------- Forwarded message ---------\n"
        "From: Kim Customer <kim@customer.example>\n"
        "Date: Wed, Oct 27, 2021 at 3:14 PM\nSubject: Prices 2022\n"
        "To: <sam@vendor.example>\n\nCould you send the new prices?\n"
    )
    mail = classify("Prices 2022", body, headers=THREAD)
    assert (mail.kind, mail.forward.from_addr) == ("forward", "kim@customer.example")


def test_language_table_entries_are_tuples_of_words():
    """A one-word entry written without its comma would be read letter by
    letter (single-letter prefixes)."""
    for code, lang in TOOLS.forwards.LANGUAGES.items():
        for key, values in lang.items():
            assert isinstance(values, tuple), (code, key)
            assert all(isinstance(v, str) and v.strip() for v in values), (code, key)
    short = {p for p in TOOLS.forwards.REPLY_PREFIXES | TOOLS.forwards.FORWARD_PREFIXES}
    assert {p for p in short if len(p) == 1} == {"r", "i"}  # Italian R: and I:


@pytest.mark.parametrize(
    ("to", "kind"),
    [(LOG, "forward"), ("Kim Customer <kim@customer.example>", "bcc")],
)
def test_prefix_forward_in_one_language_reply_in_another(to, kind):
    """ "VS:" forwards in Norwegian and Danish, answers in Finnish: the body
    decides (here an Outlook block, sent to the log or back to its sender)."""
    body = OUTLOOK_REPLY.replace("Yes, 10 licences.", "Katso alta.")
    assert classify("VS: Prices 2022", body, to=to).kind == kind
