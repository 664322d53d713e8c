"""Hand-made mails for each rule of the parser (SPEC L2, L5).

Forwards in the 8 required languages for the Gmail, Outlook, Apple Mail and
Thunderbird layouts; BCC copies; replies that quote a header block; each
automatic-mail signal; bounces; attached messages; inline images; the
unparsed-forward fallback; and input that is not a mail.
"""

from datetime import datetime, timedelta, timezone

import pytest
from conftest import TOOLS

parse = TOOLS.parse
LOG = "log@vendor.example"
CEST = timezone(timedelta(hours=2))
NAIVE = datetime(2021, 10, 27, 15, 14)


def make(subject, body, to=LOG, headers="", content_type="text/plain"):
    """A small RFC 5322 message (UTF-8, 8bit)."""
    head = (
        "From: Sam Seller <sam@vendor.example>\n"
        f"To: {to}\n"
        f"Subject: {subject}\n"
        "Date: Tue, 02 Nov 2021 10:00:00 +0100\n"
        "Message-ID: <test-1@vendor.example>\n"
        "MIME-Version: 1.0\n"
        f"{headers}"
        f'Content-Type: {content_type}; charset="utf-8"\n'
        "Content-Transfer-Encoding: 8bit\n\n"
    )
    return (head + body).encode("utf-8")


# Per language: outer forward prefix; Gmail's From label and date; Outlook's
# labels (From, Sent, To, Cc, Subject) and date; Apple Mail's marker, labels
# (From, Subject, Date, To, Cc) and date; Thunderbird's marker and labels
# (Subject, Date, From, To, Cc).  Written from the clients, not from the parser.
LANGS = {
    "en": dict(
        prefix="Fwd",
        gmail=("From", "Wed, Oct 27, 2021 at 3:14 PM"),
        outlook=("From", "Sent", "To", "Cc", "Subject"),
        outlook_date="Wednesday, October 27, 2021 3:14 PM",
        apple=("Begin forwarded message:", "From", "Subject", "Date", "To", "Cc"),
        apple_date="27 October 2021 at 15:14:00 CEST",
        tb=("Forwarded Message", "Subject", "Date", "From", "To", "CC"),
    ),
    "de": dict(
        prefix="WG",
        gmail=("Von", "Mi., 27. Okt. 2021 um 15:14 Uhr"),
        outlook=("Von", "Gesendet", "An", "Cc", "Betreff"),
        outlook_date="Mittwoch, 27. Oktober 2021 15:14",
        apple=(
            "Anfang der weitergeleiteten Nachricht:",
            "Von",
            "Betreff",
            "Datum",
            "An",
            "Kopie",
        ),
        apple_date="27. Oktober 2021 um 15:14:00 MESZ",
        tb=("Weitergeleitete Nachricht", "Betreff", "Datum", "Von", "An", "Kopie (CC)"),
    ),
    "fr": dict(
        prefix="TR",
        gmail=("De", "mer. 27 oct. 2021 à 15:14"),
        outlook=("De\u00a0", "Envoyé\u00a0", "À\u00a0", "Cc\u00a0", "Objet\u00a0"),
        outlook_date="mercredi 27 octobre 2021 15:14",
        apple=("Début du message réexpédié :", "De", "Objet", "Date", "À", "Cc"),
        apple_date="27 octobre 2021 à 15:14:00 UTC+2",
        tb=("Message transféré", "Sujet ", "Date ", "De ", "Pour ", "Copie à "),
    ),
    "es": dict(
        prefix="RV",
        gmail=("De", "mié, 27 oct 2021 a las 15:14"),
        outlook=("De", "Enviado", "Para", "CC", "Asunto"),
        outlook_date="miércoles, 27 de octubre de 2021 15:14",
        apple=("Inicio del mensaje reenviado:", "De", "Asunto", "Fecha", "Para", "Cc"),
        apple_date="27 de octubre de 2021, 15:14:00 CEST",
        tb=("Mensaje reenviado", "Asunto", "Fecha", "De", "Para", "CC"),
    ),
    "pt": dict(
        prefix="ENC",
        gmail=("De", "qua., 27 de out. de 2021 às 15:14"),
        outlook=("De", "Enviado", "Para", "Cc", "Assunto"),
        outlook_date="quarta-feira, 27 de outubro de 2021 15:14",
        apple=(
            "Início da mensagem encaminhada:",
            "De",
            "Assunto",
            "Data",
            "Para",
            "Cc",
        ),
        apple_date="27 de outubro de 2021 15:14:00 CEST",
        tb=("Mensagem encaminhada", "Assunto", "Data", "De", "Para", "Cc"),
    ),
    "nb": dict(
        prefix="VS",
        gmail=("Fra", "ons. 27. okt. 2021 kl. 15:14"),
        outlook=("Fra", "Sendt", "Til", "Kopi", "Emne"),
        outlook_date="onsdag 27. oktober 2021 15:14",
        apple=("Videresendt melding:", "Fra", "Emne", "Dato", "Til", "Kopi"),
        apple_date="27. oktober 2021 kl. 15:14:00 CEST",
        tb=("Videresendt melding", "Emne", "Dato", "Fra", "Til", "Kopi"),
    ),
    "nl": dict(
        prefix="Doorst",
        gmail=("Van", "wo 27 okt. 2021 om 15:14"),
        outlook=("Van", "Verzonden", "Aan", "CC", "Onderwerp"),
        outlook_date="woensdag 27 oktober 2021 15:14",
        apple=(
            "Begin doorgestuurd bericht:",
            "Van",
            "Onderwerp",
            "Datum",
            "Aan",
            "Kopie",
        ),
        apple_date="27 oktober 2021 om 15:14:00 CEST",
        tb=("Doorgestuurd bericht", "Onderwerp", "Datum", "Van", "Aan", "CC"),
    ),
    "it": dict(
        prefix="I",
        gmail=("Da", "mer 27 ott 2021 alle ore 15:14"),
        outlook=("Da", "Inviato", "A", "Cc", "Oggetto"),
        outlook_date="mercoledì 27 ottobre 2021 15:14",
        apple=("Inizio messaggio inoltrato:", "Da", "Oggetto", "Data", "A", "Cc"),
        apple_date="27 ottobre 2021 15:14:00 CEST",
        tb=("Messaggio inoltrato", "Oggetto", "Data", "Da", "A", "Cc"),
    ),
}
SENDER = "Anna Kunde <anna@customer.example>"
TO = "Bob <bob@vendor.example>"
CC = "Carla <carla@customer.example>, dan@other.example"
SUBJECT = "Angebot 2021"
BODY = "Original body line one.\nLine two."


def gmail(lang):
    """A Gmail forward (English marker and labels, localised From)."""
    label, date = LANGS[lang]["gmail"]
    return (
        "FYI\n\n---------- Forwarded message ---------\n"
        f"{label}: {SENDER}\nDate: {date}\nSubject: {SUBJECT}\n"
        f"To: {TO}\nCc: {CC}\n\n{BODY}\n"
    ), NAIVE


def outlook(lang):
    """An Outlook (desktop/365) plain-text forward under an underscore rule."""
    sender, sent, to, cc, subject = LANGS[lang]["outlook"]
    return (
        "See below.\n\n________________________________\n"
        f"{sender}: {SENDER}\n{sent}: {LANGS[lang]['outlook_date']}\n"
        f"{to}: {TO}\n{cc}: {CC}\n{subject}: {SUBJECT}\n\n{BODY}\n"
    ), NAIVE


def apple(lang):
    """An Apple Mail forward, quoted with '>'."""
    marker, sender, subject, date, to, cc = LANGS[lang]["apple"]
    lines = [
        marker,
        "",
        f"{sender}: {SENDER}",
        f"{subject}: {SUBJECT}",
        f"{date}: {LANGS[lang]['apple_date']}",
        f"{to}: {TO}",
        f"{cc}: {CC}",
        "",
        *BODY.split("\n"),
    ]
    quoted = "\n".join(f"> {line}".rstrip() for line in lines)
    return f"Hello\n\n{quoted}\n", NAIVE.replace(tzinfo=CEST)


def thunderbird(lang):
    """A Thunderbird forward (tab after the labels, RFC date)."""
    marker, subject, date, sender, to, cc = LANGS[lang]["tb"]
    return (
        f"\n\n-------- {marker} --------\n{subject}:\t{SUBJECT}\n"
        f"{date}:\tWed, 27 Oct 2021 15:14:00 +0200\n{sender}:\t{SENDER}\n"
        f"{to}:\t{TO}\n{cc}:\t{CC}\n\n\n\n{BODY}\n"
    ), NAIVE.replace(tzinfo=CEST)


CLIENTS = {
    "gmail": gmail,
    "outlook": outlook,
    "apple": apple,
    "thunderbird": thunderbird,
}


@pytest.mark.parametrize("lang", sorted(LANGS))
@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_forward_each_language_and_client(client, lang):
    body, date = CLIENTS[client](lang)
    mail = parse.parse_message(make(f"{LANGS[lang]['prefix']}: {SUBJECT}", body))
    assert mail.kind == "forward", mail.auto_reason
    info = mail.forward
    assert info.from_addr == "anna@customer.example"
    assert info.from_name == "Anna Kunde"
    assert info.to == ("bob@vendor.example",)
    assert info.cc == ("carla@customer.example", "dan@other.example")
    assert info.subject == SUBJECT
    assert info.date == date and (info.date.tzinfo is None) == (date.tzinfo is None)
    assert info.body_text == BODY
    assert info.source == "text"


def test_forward_without_prefix_when_log_address_is_in_to():
    body, _date = outlook("en")
    mail = parse.parse_message(make("Angebot", body), log_addresses=[LOG])
    assert mail.kind == "forward"


def test_bcc_copy_log_address_only_in_envelope():
    """A BCC copy: the log address is in Delivered-To only, never in To/Cc."""
    body, _date = outlook("en")
    raw = make(
        "Angebot",
        body,
        to="anna@customer.example",
        headers=f"Delivered-To: {LOG}\nX-Original-To: {LOG}\n",
    )
    mail = parse.parse_message(raw, log_addresses=[LOG])
    assert mail.kind == "bcc"
    assert mail.envelope_to == (LOG,)
    assert mail.to == ("anna@customer.example",)
    assert parse.cli_record(mail, "x")["original_from"] is None


def test_plain_bcc_copy():
    raw = make(
        "Proposal",
        "Hi Anna,\nhere it is.\n",
        to="Anna <anna@customer.example>",
        headers="Cc: Carl <carl@customer.example>\n",
    )
    mail = parse.parse_message(raw, log_addresses=[LOG])
    assert (mail.kind, mail.forward, mail.forward_unparsed) == ("bcc", None, False)
    assert mail.cc == ("carl@customer.example",)
    assert mail.message_id == "test-1@vendor.example"
    assert mail.body_html == "<p>Hi Anna,<br>here it is.</p>"


@pytest.mark.parametrize("prefix", ["RE", "Re", "AW", "SV", "Antw", "R", "Odp"])
def test_outlook_reply_with_underscore_rule_is_not_a_forward(prefix):
    body, _date = outlook("en")
    mail = parse.parse_message(make(f"{prefix}: {SUBJECT}", body))
    assert mail.kind == "bcc"
    assert mail.forward is None


def test_reply_quoting_original_message_block_is_bcc():
    body = (
        "Danke!\n\n-----Ursprüngliche Nachricht-----\n"
        "Von: Anna <anna@customer.example>\n"
        "Gesendet: Mittwoch, 27. Oktober 2021 15:14\nAn: sam@vendor.example\n"
        "Betreff: Angebot\n\nHallo\n"
    )
    assert parse.parse_message(make("AW: Angebot", body)).kind == "bcc"


def test_unprefixed_reply_by_headers_is_bcc():
    body, _date = outlook("en")
    raw = make("Angebot", body, headers="In-Reply-To: <abc@customer.example>\n")
    mail = parse.parse_message(raw)
    assert mail.kind == "bcc" and mail.in_reply_to == "abc@customer.example"


def test_forward_prefix_wins_over_in_reply_to():
    body, _date = gmail("en")
    raw = make("Fwd: Angebot", body, headers="In-Reply-To: <abc@customer.example>\n")
    assert parse.parse_message(raw).kind == "forward"


def test_nested_forward_deepest_sender():
    inner = (
        "\n---------- Forwarded message ---------\nFrom: Zed <zed@deep.example>\n"
        "Date: Mon, Oct 25, 2021 at 9:00 AM\nSubject: first\n"
        "To: anna@customer.example\n"
        "\nDeep body\n"
    )
    body, _date = gmail("en")
    mail = parse.parse_message(make("Fwd: Angebot", body + inner))
    assert mail.forward.from_addr == "anna@customer.example"
    assert mail.forward.deepest_from == "zed@deep.example"


def test_yahoo_fields_on_the_marker_line():
    body = (
        "   ----- Weitergeleitete Nachricht ----- Von: Anna <anna@customer.example>An: "
        '"bob" <bob@vendor.example>Gesendet: Dienstag, 2. November 2021, 09:26:50 '
        "MEZBetreff: Angebot\n Text\n"
    )
    info = parse.parse_message(make("Fwd: Angebot", body)).forward
    assert (info.from_addr, info.to, info.subject) == (
        "anna@customer.example",
        ("bob@vendor.example",),
        "Angebot",
    )
    assert info.date.isoformat() == "2021-11-02T09:26:50+01:00"


def test_html_forward_body_is_cut_below_the_block():
    html = (
        "<html><body><p>Siehe unten</p><div style='border-top:solid #E1E1E1 1pt'>"
        "<p><b>Von:</b> Anna &lt;<a href='mailto:anna@customer.example'>"
        "anna@customer.example</a>&gt;<br><b>Gesendet:</b> Mittwoch, 27. Oktober 2021 "
        "15:14<br><b>An:</b> <a href='mailto:bob@vendor.example'>Bob</a><br>"
        "<b>Betreff:</b> Angebot</p></div><p>Original <i>HTML</i> body</p>"
        "</body></html>"
    )
    mail = parse.parse_message(make("WG: Angebot", html, content_type="text/html"))
    info = mail.forward
    assert info.source == "html"
    assert info.from_addr == "anna@customer.example"
    assert info.to == ("bob@vendor.example",)
    assert info.date == NAIVE
    assert info.body_html == "<p>Original <i>HTML</i> body</p>"
    assert info.body_text == "Original HTML body"
    assert "Siehe unten" in mail.body_text


def test_attribution_forward_takes_the_outer_subject():
    body = "Le 28/10/2021 12:46, « John Doe » <john@acme.example> a écrit :\n\n    Hi\n"
    info = parse.parse_message(make("FW: Integer", body)).forward
    assert (info.from_addr, info.from_name, info.subject) == (
        "john@acme.example",
        "John Doe",
        "Integer",
    )
    assert info.date == datetime(2021, 10, 28, 12, 46) and info.body_text == "Hi"


AUTO_CASES = [
    ("Auto-Submitted: auto-replied\n", "", "Auto-Submitted: auto-replied"),
    ("Auto-Submitted: auto-generated\n", "", "Auto-Submitted: auto-generated"),
    ("X-Autoreply: yes\n", "", "X-Autoreply"),
    ("X-Autorespond: vacation\n", "", "X-Autoreply"),
    ("Precedence: bulk\n", "", "Precedence: bulk"),
    ("Precedence: junk\n", "", "Precedence: junk"),
    ("Return-Path: <>\n", "", "null Return-Path"),
    ("List-Id: Sales <sales.lists.example>\n", "", "List-Id (mailing list)"),
    ("", "Automatic reply: Angebot", "auto-reply subject"),
    ("", "Abwesenheitsnotiz: Angebot", "auto-reply subject"),
    (f"X-Loop: {LOG}\n", "", "X-Loop (mail loop)"),
]


@pytest.mark.parametrize(("headers", "subject", "reason"), AUTO_CASES)
def test_auto_reply_signals(headers, subject, reason):
    raw = make(subject or "Fwd: Angebot", gmail("en")[0], headers=headers)
    mail = parse.parse_message(raw, log_addresses=[LOG])
    assert (mail.kind, mail.auto_reason, mail.forward) == ("auto", reason, None)


def test_not_auto():
    raw = make(
        "Out of office next week?",
        "Hi",
        headers="Auto-Submitted: no\n"
        "X-Auto-Response-Suppress: All\nPrecedence: normal\n",
    )
    mail = parse.parse_message(raw)
    assert (mail.kind, mail.auto_reason) == ("bcc", None)
    assert mail.headers["x-auto-response-suppress"] == "All"
    assert mail.headers["auto-submitted"] == "no"


def test_sender_is_a_log_address_is_a_loop():
    raw = make("Hello", "Hi").replace(b"sam@vendor.example", LOG.encode())
    mail = parse.parse_message(raw, log_addresses=[LOG])
    assert mail.auto_reason == "mail loop (sender is a log address)"


BOUNCE = b"""From: MAILER-DAEMON@mx.example (Mail Delivery System)
To: sam@vendor.example
Subject: Undelivered Mail Returned to Sender
Date: Thu, 7 Apr 2016 19:04:30 +0900
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BB"

--BB
Content-Type: text/plain

Delivery failed.
--BB
Content-Type: message/delivery-status

Final-Recipient: rfc822; gone@customer.example
Action: failed

--BB
Content-Type: message/rfc822

From: Sam <sam@vendor.example>
To: gone@customer.example
Subject: Fwd: Angebot

Hello
--BB--
"""


def test_bounce():
    mail = parse.parse_message(BOUNCE)
    assert mail.kind == "auto"
    assert mail.auto_reason == "bounce (mailer-daemon)"
    assert mail.outer_from == "mailer-daemon@mx.example"
    assert mail.outer_from_name == "Mail Delivery System"
    assert mail.body_text.strip() == "Delivery failed."
    kinds = [a.mimetype for a in mail.attachments]
    assert kinds == ["message/delivery-status", "message/rfc822"]


def test_report_without_daemon_sender():
    raw = BOUNCE.replace(b"MAILER-DAEMON@mx.example", b"notices@mx.example")
    assert parse.parse_message(raw).auto_reason == "multipart/report delivery-status"


RFC822_FORWARD = b"""From: Sam <sam@vendor.example>
To: log@vendor.example
Subject: Fwd: Angebot
Date: Tue, 02 Nov 2021 10:00:00 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

--XX
Content-Type: text/plain

See attached.
--XX
Content-Type: message/rfc822
Content-Disposition: attachment

From: =?utf-8?q?Anna_K=C3=BCnde?= <anna@customer.example>
To: Sam <sam@vendor.example>, bob@vendor.example
Cc: carla@customer.example
Subject: =?utf-8?q?Angebot_f=C3=BCr_2021?=
Date: Wed, 27 Oct 2021 15:14:00 +0200
Content-Type: text/plain; charset=utf-8

The original.
--XX--
"""


def test_rfc822_attachment_forward():
    mail = parse.parse_message(RFC822_FORWARD)
    info = mail.forward
    assert (mail.kind, info.source) == ("forward", "rfc822")
    assert info.from_addr == "anna@customer.example" and info.from_name == "Anna Künde"
    assert info.to == ("sam@vendor.example", "bob@vendor.example")
    assert info.cc == ("carla@customer.example",)
    assert info.subject == "Angebot für 2021"
    assert info.date == NAIVE.replace(tzinfo=CEST)
    assert info.body_text == "The original."
    [attachment] = mail.attachments
    assert attachment.filename == "Angebot für 2021.eml"
    assert attachment.mimetype == "message/rfc822"
    assert b"The original." in attachment.content
    record = parse.cli_record(mail, "f.eml")
    assert record["original_date"] == "2021-10-27T15:14:00+02:00"


INLINE_IMAGE = b"""From: Sam <sam@vendor.example>
To: anna@customer.example
Subject: Logo
Date: Tue, 02 Nov 2021 10:00:00 +0100
MIME-Version: 1.0
Content-Type: multipart/related; boundary="RR"

--RR
Content-Type: text/html; charset=utf-8

<p>Our logo: <img src="cid:logo123@vendor"></p>
--RR
Content-Type: image/png; name="logo.png"
Content-Transfer-Encoding: base64
Content-ID: <logo123@vendor>
Content-Disposition: inline; filename="logo.png"

iVBORw0KGgo=
--RR--
"""


def test_inline_image_is_kept_with_its_content_id():
    mail = parse.parse_message(INLINE_IMAGE)
    [image] = mail.attachments
    assert (image.filename, image.mimetype) == ("logo.png", "image/png")
    assert (image.content_id, image.inline) == ("logo123@vendor", True)
    assert image.content == b"\x89PNG\r\n\x1a\n"
    assert 'src="cid:logo123@vendor"' in mail.body_html
    assert mail.body_text.strip() == "Our logo:"


def test_forward_unparsed_fallback():
    mail = parse.parse_message(make("Fwd: Angebot", "Please log this one.\n"))
    assert (mail.kind, mail.forward, mail.forward_unparsed) == ("forward", None, True)
    record = parse.cli_record(mail, "f.eml")
    assert record["kind"] == "forward" and record["original_from"] is None
    assert record["original_to"] == [] and record["original_date"] is None


def test_forward_marker_without_fields_and_no_prefix_is_unparsed():
    raw = make("Angebot", "---------- Forwarded message ---------\n\nOriginal\n")
    mail = parse.parse_message(raw)
    assert (mail.kind, mail.forward_unparsed) == ("forward", True)


def test_name_only_sender():
    body = (
        "-----Original Message-----\nFrom: John Doe\nSent: 23 July 2022 07:53\n"
        "To: Bessie Berry\nSubject: Hi\n\nText\n"
    )
    info = parse.parse_message(make("FW: Hi", body)).forward
    assert (info.from_addr, info.from_name, info.to) == (None, "John Doe", ())


def test_headers_and_hash():
    raw = make(
        "Fwd: Angebot",
        gmail("en")[0],
        headers="Authentication-Results: mx; dkim=pass\n"
        "Authentication-Results: mx2; spf=pass\nReferences: <a@x> <b@y>\n",
    )
    mail = parse.parse_message(raw)
    assert mail.headers["authentication-results"] == ["mx; dkim=pass", "mx2; spf=pass"]
    assert mail.references == ("a@x", "b@y")
    assert mail.date == datetime(2021, 11, 2, 9, 0, tzinfo=timezone.utc)
    again = parse.parse_message(raw.replace(b"<test-1@", b"<test-2@"))
    assert again.content_hash == mail.content_hash
    other = parse.parse_message(raw.replace(b"Original body", b"Other body"))
    assert other.content_hash != mail.content_hash


def test_eight_bit_headers_and_charset_fallback():
    raw = (
        "From: Jörg <jorg@example.de>\nTo: log@vendor.example\nSubject: Grüße\n"
        "Content-Type: text/plain; charset=big5\nContent-Transfer-Encoding: 8bit\n\n"
        "Grüße aus Köln\n"
    ).encode()
    mail = parse.parse_message(raw)
    assert (mail.subject, mail.outer_from_name) == ("Grüße", "Jörg")
    assert mail.body_text.strip() == "Grüße aus Köln"


def test_leading_blank_line_and_mbox_from_line():
    raw = b"\nFrom sam@vendor.example Thu May  3 12:04:29 2012\n" + make("Hi", "Hello")
    mail = parse.parse_message(raw)
    assert mail.outer_from == "sam@vendor.example"
    assert "leading blank lines before the headers" in mail.defects


def test_str_input():
    assert parse.parse_message(make("Hi", "Hello").decode()).subject == "Hi"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\n\n  \n",
        b"hello world, this is not a mail\n",
        bytes(range(256)) * 4,
        b"\x00\x01\x02From: x@y.com\n\nbody",
        b"From: a@b.com\x00\x00\nSubject: x\n\n",
        b"X-Foo: bar\n\nno mail headers",
        "\u00e9t\u00e9 sans en-t\u00eate".encode(),
    ],
)
def test_garbage_raises_parse_error(raw):
    with pytest.raises(parse.ParseError):
        parse.parse_message(raw)


def test_wrong_type_raises_parse_error():
    with pytest.raises(parse.ParseError):
        parse.parse_message(12345)
    assert issubclass(parse.ParseError, ValueError)


def test_format_flowed_fields_are_rejoined():
    """Thunderbird wraps long lines (format=flowed); fields are re-joined."""
    body = (
        "-------- Forwarded Message --------\r\nSubject: \tA very long subject that "
        "\r\nwraps\r\nDate: \tWed, 27 Oct 2021 15:14:00 +0200\r\nFrom: \tAnna "
        "<anna@customer.example>\r\nTo: \tbob@vendor.example, \r\n"
        "carla@customer.example\r\n\r\n\r\nBody\r\n"
    )
    raw = make("Fwd: x", body).replace(
        b'charset="utf-8"', b'charset="utf-8"; format=flowed'
    )
    info = parse.parse_message(raw).forward
    assert info.subject == "A very long subject that wraps"
    assert info.to == ("bob@vendor.example", "carla@customer.example")
