"""Hand-made mails for each rule of the parser (SPEC L2, L5).

Forwards in the 8 required languages and 13 more (sv, da, fi, et, pl, cs, sk, hr,
hu, ro, tr, ru, uk) for the Gmail, Outlook, Apple Mail and Thunderbird layouts;
attribution lines (Outlook for Mac, Thunderbird, Gmail) in those languages; BCC
copies; replies that quote a header block; each automatic-mail signal; bounces;
attached messages; inline images; the unparsed-forward fallback; and input that
is not a mail.
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
    "sv": dict(
        prefix="VB",
        gmail=("Från", "ons 27 okt. 2021 kl 15:14"),
        outlook=("Från", "Skickat", "Till", "Kopia", "Ämne"),
        outlook_date="den 27 oktober 2021 15:14",
        apple=(
            "Början på vidarebefordrat brev:",
            "Från",
            "Ämne",
            "Datum",
            "Till",
            "Kopia",
        ),
        apple_date="27 oktober 2021 15:14:00 CEST",
        tb=("Vidarebefordrat meddelande", "Ämne", "Datum", "Från", "Till", "Kopia"),
    ),
    "da": dict(
        prefix="VS",
        gmail=("Fra", "ons. 27. okt. 2021 kl. 15.14"),
        outlook=("Fra", "Sendt", "Til", "Cc", "Emne"),
        outlook_date="27. oktober 2021 15:14",
        apple=("Start på videresendt besked:", "Fra", "Emne", "Dato", "Til", "Cc"),
        apple_date="onsdag den 27. oktober 2021 kl. 15.14.00 CEST",
        tb=("Videresendt meddelelse", "Emne", "Dato", "Fra", "Til", "Cc"),
    ),
    "fi": dict(
        prefix="VL",
        gmail=("Lähettäjä", "ke 27. lokak. 2021 klo 15.14"),
        outlook=("Lähettäjä", "Lähetetty", "Vastaanottaja", "Kopio", "Aihe"),
        outlook_date="keskiviikko 27. lokakuuta 2021 15.14",
        apple=(
            "Välitetty viesti:",
            "Lähettäjä",
            "Aihe",
            "Päivämäärä",
            "Vastaanottaja",
            "Kopio",
        ),
        apple_date="27. lokakuuta 2021 klo 15.14.00 UTC+2",
        tb=(
            "Välitetty viesti",
            "Aihe",
            "Päiväys",
            "Lähettäjä",
            "Vastaanottaja",
            "Kopio",
        ),
    ),
    "et": dict(
        prefix="Fwd",
        gmail=("Saatja", "K, 27. oktoober 2021 kell 15:14"),
        outlook=("Saatja", "Saadetud", "Adressaat", "Koopia", "Teema"),
        outlook_date="kolmapäev, 27. oktoober 2021 15:14",
        apple=("Edastatud kiri:", "Saatja", "Teema", "Kuupäev", "Saaja", "Koopia"),
        apple_date="27. oktoober 2021 15:14:00 GMT+2",
        tb=("Edastatud kiri", "Teema", "Kuupäev", "Saatja", "Saaja", "Koopia"),
    ),
    "pl": dict(
        prefix="PD",
        gmail=("Od", "śr., 27 paź 2021 o 15:14"),
        outlook=("Od", "Wysłano", "Do", "DW", "Temat"),
        outlook_date="środa, 27 października 2021 15:14",
        apple=(
            "Początek przekazywanej wiadomości:",
            "Od",
            "Temat",
            "Data",
            "Do",
            "DW",
        ),
        apple_date="27 października 2021 15:14:00 CEST",
        tb=(
            "Treść przekazanej wiadomości",
            "Temat",
            "Data",
            "Nadawca",
            "Adresat",
            "Kopia",
        ),
    ),
    "cs": dict(
        prefix="PŘ",
        gmail=("Od", "st 27. 10. 2021 v 15:14"),
        outlook=("Od", "Odesláno", "Komu", "Kopie", "Předmět"),
        outlook_date="středa 27. října 2021 15:14",
        apple=(
            "Začátek přeposílané zprávy:",
            "Od",
            "Předmět",
            "Datum",
            "Komu",
            "Kopie",
        ),
        apple_date="27. října 2021 15:14:00 SELČ",
        tb=("Přeposlaná zpráva", "Předmět", "Datum", "Od", "Komu", "Kopie"),
    ),
    "sk": dict(
        prefix="Fwd",
        gmail=("Od", "st 27. 10. 2021 o 15:14"),
        outlook=("Od", "Odoslané", "Komu", "Kópia", "Predmet"),
        outlook_date="streda 27. októbra 2021 15:14",
        apple=(
            "Začiatok preposlanej správy:",
            "Od",
            "Predmet",
            "Dátum",
            "Pre",
            "Kópia",
        ),
        apple_date="27. októbra 2021, 15:14:00 SELČ",
        tb=("Preposlaná správa", "Predmet", "Dátum", "Od", "Komu", "Kópia"),
    ),
    "hr": dict(
        prefix="Fwd",
        gmail=("Šalje", "sri, 27. lis 2021. u 15:14"),
        outlook=("Šalje", "Poslano", "Prima", "Kopija", "Predmet"),
        outlook_date="srijeda, 27. listopada 2021. 15:14",
        apple=("Proslijeđena poruka:", "Šalje", "Predmet", "Datum", "Prima", "Kopija"),
        apple_date="27. listopada 2021. u 15:14:00 CEST",
        tb=("Proslijeđena poruka", "Naslov", "Datum", "Šalje", "Prima", "Kopija"),
    ),
    "hu": dict(
        prefix="Fwd",
        gmail=("Feladó", "2021. okt. 27., Sze 15:14"),
        outlook=("Feladó", "Elküldve", "Címzett", "Másolatot kap", "Tárgy"),
        outlook_date="2021. október 27., szerda 15:14",
        apple=(
            "Továbbított levél kezdete:",
            "Feladó",
            "Tárgy",
            "Dátum",
            "Címzett",
            "Másolat",
        ),
        apple_date="2021. október 27. 15:14:00 CEST",
        tb=("Továbbított üzenet", "Tárgy", "Dátum", "Feladó", "Címzett", "Másolat"),
    ),
    "ro": dict(
        prefix="Fwd",
        gmail=("De la", "mie., 27 oct. 2021 la 15:14"),
        outlook=("De la", "Trimis", "Către", "Cc", "Subiect"),
        outlook_date="miercuri, 27 octombrie 2021 15:14",
        apple=(
            "Începe mesajul redirecționat:",
            "Expeditor",
            "Subiect",
            "Dată",
            "Destinatar",
            "Cc",
        ),
        apple_date="27 octombrie 2021, 15:14:00 CEST",
        # Legacy code pages write the cedilla forms (ţ, ş).
        tb=("Mesaj redirecţionat", "Subiect", "Dată", "De la", "Către", "CC"),
    ),
    "tr": dict(
        prefix="İLT",
        gmail=("Gönderen", "27 Eki 2021 Çar, 15:14"),
        outlook=("Kimden", "Gönderildi", "Kime", "Bilgi", "Konu"),
        outlook_date="27 Ekim 2021 Çarşamba 15:14",
        apple=("İletilen ileti:", "Kimden", "Konu", "Tarih", "Kime", "Bilgi"),
        apple_date="27 Ekim 2021 15:14:00 GMT+2",
        tb=("İletilen İleti", "Konu", "Tarih", "Kimden", "Kime", "CC"),
    ),
    "ru": dict(
        prefix="Пересл",
        gmail=("От", "ср, 27 окт. 2021 г. в 15:14"),
        outlook=("От", "Отправлено", "Кому", "Копия", "Тема"),
        outlook_date="27 октября 2021 г. 15:14",
        apple=(
            "Начало пересылаемого сообщения:",
            "Отправитель",
            "Тема",
            "Дата",
            "Кому",
            "Копия",
        ),
        apple_date="27 октября 2021 г., в 15:14:00 GMT+2",
        tb=("Пересылаемое сообщение", "Тема", "Дата", "От", "Кому", "Копия"),
    ),
    "uk": dict(
        prefix="Fwd",
        gmail=("Від", "ср, 27 жовт. 2021 о 15:14"),
        outlook=("Від", "Надіслано", "Кому", "Копія", "Тема"),
        outlook_date="середа, 27 жовтня 2021 р. 15:14",
        apple=(
            "Початок пересланого повідомлення:",
            "Від",
            "Тема",
            "Дата",
            "Кому",
            "Копія",
        ),
        apple_date="27 жовтня 2021 р. о 15:14:00 GMT+2",
        tb=("Переслане повідомлення", "Тема", "Дата", "Від", "Кому", "Копія"),
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
    """A reply goes to the people of the block it quotes (issue 11, item 7:
    In-Reply-To alone no longer decides, Gmail and Outlook set it on
    forwards too; see test_parse_classify.py)."""
    body, _date = outlook("en")
    raw = make(
        "Angebot",
        body,
        to="Anna Kunde <anna@customer.example>",
        headers="In-Reply-To: <abc@customer.example>\n",
    )
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


# Attribution lines of forwards (Outlook for Mac, Thunderbird, Gmail), in the
# word orders of each language; all for 27 October 2021 15:14.
ATTRIBUTIONS = {
    "en-wrapped": "On Wed, Oct 27, 2021 at 3:14 PM Anna Kunde "
    "<anna@customer.example>\nwrote:",
    "en-parenthesis": "On October 27, 2021 at 3:14 PM, Anna Kunde\n"
    "(anna@customer.example) wrote:",
    "cs": "Dne 27.10.2021 15:14, Anna Kunde <anna@customer.example> napsal(a):",
    "sk": "Dňa 27. 10. 2021 o 15:14 Anna Kunde <anna@customer.example> napísal(a):",
    "pl": "W dniu 27.10.2021 o 15:14, Anna Kunde <anna@customer.example> pisze:",
    "pl-user": "Dnia 27.10.2021, 15:14 użytkownik „Anna Kunde” "
    "<anna@customer.example> napisał:",
    "hu": "Anna Kunde <anna@customer.example> ezt írta (időpont: 2021. okt. 27., "
    "Sze, 15:14):",
    "ro": "Pe mie., 27 oct. 2021 la 15:14, Anna Kunde <anna@customer.example> a scris:",
    "tr": "27 Eki 2021 Çar, 15:14 tarihinde Anna Kunde <anna@customer.example> "
    "şunu yazdı:",
    "tr-who-first": "'Anna Kunde' <anna@customer.example>, 27.10.2021 15:14 "
    "tarihinde şunu yazdı:",
    "ru": "27.10.2021 15:14, Anna Kunde <anna@customer.example> пишет:",
    "ru-user": "27.10.2021, 15:14 пользователь Anna Kunde <anna@customer.example> "
    "написал:",
    "uk": "ср, 27 жовт. 2021 о 15:14 Anna Kunde <anna@customer.example> пише:",
    "hr": "sri, 27. lis 2021. u 15:14 Anna Kunde <anna@customer.example> "
    "je napisao/la:",
    "fi": "ke 27. lokak. 2021 klo 15.14 Anna Kunde <anna@customer.example> kirjoitti:",
    "fi-who-first": "Anna Kunde <anna@customer.example> kirjoitti 27.10.2021 "
    "kello 15.14:",
    "da": "Den 27. okt. 2021 kl. 15.14 skrev Anna Kunde <anna@customer.example>:",
    "nb-who-first": "Anna Kunde <anna@customer.example> skrev følgende den "
    "27.10.2021 15:14:",
    "nl": "Op 27-10-2021 15:14 heeft Anna Kunde <anna@customer.example> geschreven:",
    "et": "Anna Kunde <anna@customer.example> kirjutas kuupäeval K, 27. oktoober "
    "2021 kell 15:14:",
    "it": "Il giorno mer 27 ott 2021 alle ore 15:14 Anna Kunde "
    "<anna@customer.example> ha scritto:",
}


@pytest.mark.parametrize("case", sorted(ATTRIBUTIONS))
def test_attribution_forward_each_language(case):
    body = f"FYI\n\n{ATTRIBUTIONS[case]}\n\n> Original body\n"
    mail = parse.parse_message(make("Fwd: Angebot", body))
    info = mail.forward
    assert mail.kind == "forward" and info is not None
    assert (info.from_addr, info.from_name, info.subject) == (
        "anna@customer.example",
        "Anna Kunde",
        "Angebot",
    )
    assert info.date == NAIVE
    assert info.body_text == "> Original body"


def test_attribution_with_a_name_only_keeps_the_name():
    body = "Dne 27. 10. 2021 v 15:14 Anna Kunde napsal(a):\n> Text\n"
    info = parse.parse_message(make("Fwd: Angebot", body)).forward
    assert (info.from_addr, info.from_name, info.date) == (None, "Anna Kunde", NAIVE)


@pytest.mark.parametrize(
    "line",
    [
        "Anna Kunde <anna@customer.example> wrote:",
        "Anna Kunde <anna@customer.example> napsal(a) dnes ráno:",
        "On 27/10/2021 15:14 Anna Kunde <anna@customer.example> wrote",
    ],
)
def test_attribution_needs_a_date_and_a_final_colon(line):
    mail = parse.parse_message(make("Fwd: Angebot", f"{line}\n> Text\n"))
    assert (mail.kind, mail.forward, mail.forward_unparsed) == ("forward", None, True)


@pytest.mark.parametrize("prefix", ["Re", "Odp", "YNT", "Відп", "Отв"])
def test_attribution_under_a_reply_prefix_is_bcc(prefix):
    body = f"Díky\n\n{ATTRIBUTIONS['cs']}\n> Text\n"
    mail = parse.parse_message(make(f"{prefix}: Angebot", body))
    assert (mail.kind, mail.forward) == ("bcc", None)


@pytest.mark.parametrize("prefix", ["Odp", "YNT", "Відп", "Отв", "ODP"])
def test_localised_reply_prefixes_with_a_quoted_block_are_bcc(prefix):
    body, _date = outlook("cs")
    mail = parse.parse_message(make(f"{prefix}: {SUBJECT}", body))
    assert (mail.kind, mail.forward) == ("bcc", None)


@pytest.mark.parametrize(
    ("prefix", "kind"),
    [("PŘ", "forward"), ("İLT", "forward"), ("ilt", "forward"), ("YNT", "reply")],
)
def test_localised_subject_prefixes(prefix, kind):
    assert TOOLS.forwards.subject_kind(f"{prefix}: Angebot") == kind


@pytest.mark.parametrize(
    "marker",
    [
        "-------- Přeposlaná zpráva / Forwarded Message --------",
        "-------- Preposlaná správa --- Forwarded Message --------",
        "-------- Välitetty viesti / Fwd.Msg --------",
    ],
)
def test_thunderbird_marker_repeated_in_english(marker):
    body = (
        f"{marker}\nPředmět:\t{SUBJECT}\nDatum:\tWed, 27 Oct 2021 15:14:00 +0200\n"
        f"Od:\t{SENDER}\nKomu:\t{TO}\n\n{BODY}\n"
    )
    info = parse.parse_message(make(f"Fwd: {SUBJECT}", body)).forward
    assert (info.from_addr, info.subject, info.body_text) == (
        "anna@customer.example",
        SUBJECT,
        BODY,
    )


@pytest.mark.parametrize(
    ("marker", "labels", "date"),
    [
        (
            "Přeposlaná zpráva",
            ("Od", "Komu", "Kopie", "Datum", "Předmět"),
            "středa 27. října 2021 15:14:00 SELČ",
        ),
        (
            "İletilmiş Mesaj",
            ("Kimden", "Kime", "Cc", "Gönderilen", "Konu"),
            "27 Ekim 2021 Çarşamba 15:14:00 GMT+2",
        ),
        (
            "Перенаправлене повідомлення",
            ("Від", "Кому", "Копія", "Відправлено", "Тема"),
            "середа, 27 жовтня 2021 р., 15:14:00 GMT+2",
        ),
        (
            "Továbbított üzenet",
            ("Feladó", "Címzett", "Másolat", "Elküldve", "Tárgy"),
            "2021. október 27., szerda 15:14:00 CEST",
        ),
    ],
)
def test_yahoo_fields_on_the_marker_line_localised(marker, labels, date):
    sender, to, cc, sent, subject = labels
    body = (
        f"   ----- {marker} ----- {sender}: {SENDER}{to}: {TO}{cc}: {CC}"
        f"{sent}: {date}{subject}: {SUBJECT}\n {BODY}\n"
    )
    info = parse.parse_message(make(f"Fwd: {SUBJECT}", body)).forward
    assert (info.from_addr, info.to, info.subject) == (
        "anna@customer.example",
        ("bob@vendor.example",),
        SUBJECT,
    )
    assert info.cc == ("carla@customer.example", "dan@other.example")
    assert info.date == NAIVE.replace(tzinfo=CEST)


@pytest.mark.parametrize(
    ("text", "languages", "month"),
    [
        ("27. listopada 2021. u 15:14", ("hr",), 10),
        ("27 listopada 2021 o 15:14", ("pl",), 11),
        ("27. listopadu 2021 15:14", (), 11),
        ("sri, 27. lis 2021. u 15:14", (), 10),
        ("śr., 27 lis 2021 o 15:14", (), 11),
        ("27 lip 2021", ("hr", "en"), 6),
    ],
)
def test_month_names_that_clash_between_languages(text, languages, month):
    assert TOOLS.dates.parse_loose(text, languages).month == month


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tirsdag den 2. november 2021 09.26.50 CET", "2021-11-02T09:26:50+01:00"),
        ("2. marraskuuta 2021 klo 9.26.50 UTC+1", "2021-11-02T09:26:50+01:00"),
        ("12.10.21", "2021-10-12T00:00:00"),
        ("st 27. 10. 2021 v 9:31", "2021-10-27T09:31:00"),
        ("2021. 10. 27. 9:31", "2021-10-27T09:31:00"),
        ("úterý 2. listopadu 2021 09:26:50 SEČ", "2021-11-02T09:26:50+01:00"),
        ("2 Kasım 2021 Salı 09:26:50 GMT+1", "2021-11-02T09:26:50+01:00"),
        ("вівторок, 2 листопада 2021 р., 09:26", "2021-11-02T09:26:00"),
        ("marți, 2 noiembrie 2021, 09:26:50 CET", "2021-11-02T09:26:50+01:00"),
        ("marţi, 2 noiembrie 2021", "2021-11-02T00:00:00"),
        ("K, 2. november 2021 kell 09:26", "2021-11-02T09:26:00"),
    ],
)
def test_localised_dates(text, expected):
    assert TOOLS.dates.parse_loose(text).isoformat() == expected


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
    # RFC 3464 structure is read before the sender's local part (issue 11).
    assert mail.auto_reason == "multipart/report delivery-status"
    assert mail.outer_from == "mailer-daemon@mx.example"
    assert mail.outer_from_name == "Mail Delivery System"
    assert mail.body_text.strip() == "Delivery failed."
    kinds = [a.mimetype for a in mail.attachments]
    assert kinds == ["message/delivery-status", "message/rfc822"]


def test_daemon_sender_without_report():
    report = b"multipart/report; report-type=delivery-status"
    raw = BOUNCE.replace(report, b"text/plain")
    assert parse.parse_message(raw).auto_reason == "bounce (mailer-daemon)"


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
