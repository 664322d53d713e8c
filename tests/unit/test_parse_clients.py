"""The promised clients in the 8 required languages, in the layouts of issue 11
(items 3, 4, 5 and 7) and beyond the one client each item was found with:

* a long Subject that the client's plain text wraps onto a second line;
* a block without a From line, under every client's marker;
* Samsung Email's HTML with the fields and the body on one line;
* forwards without a subject prefix but with thread headers, text and HTML;
* replies (no prefix) quoting every client's forwarded block under the
  Gmail, Apple Mail and Thunderbird attribution lines, text and HTML.

Written from the clients' layouts (labels, markers, date formats), not from
the parser; the language table lives in ``tools/forwards.py``.
"""

import html

import pytest
from conftest import TOOLS

parse = TOOLS.parse
LANGS = ("en", "de", "fr", "es", "pt", "it", "nl", "nb")
SENDER = "Kim Customer <kim@customer.example>"
TO = "Bob Builder <bob@vendor.example>"
BODY = "Could you send the new prices for next year?"
THREAD = "In-Reply-To: <p-1@customer.example>\nReferences: <p-1@customer.example>\n"
LONG = {
    "en": "Renewal of the support contract and the licences for the coming year",
    "de": "Erneuerung des Wartungsvertrags und der Lizenzen für das kommende Jahr",
    "fr": "Renouvellement du contrat de maintenance et des licences pour l'an prochain",
    "es": "Renovación del contrato de soporte y de las licencias para el próximo año",
    "pt": "Renovação do contrato de suporte e das licenças para o próximo ano",
    "it": "Rinnovo del contratto di assistenza e delle licenze per il prossimo anno",
    "nl": "Verlenging van het ondersteuningscontract en de licenties voor volgend jaar",
    "nb": "Fornyelse av støtteavtalen og lisensene for det kommende året",
}
PREFIX = dict(
    en="Fwd", de="WG", fr="TR", es="RV", pt="ENC", it="I", nl="Doorst", nb="VS"
)

GMAIL_FROM = dict(
    en="From", de="Von", fr="De ", es="De", pt="De", it="Da", nl="Van", nb="Fra"
)
GMAIL_DATE = dict(
    en="Wed, Oct 27, 2021 at 3:14 PM",
    de="Mi., 27. Okt. 2021 um 15:14 Uhr",
    fr="mer. 27 oct. 2021 à 15:14",
    es="mié, 27 oct 2021 a las 15:14",
    pt="qua., 27 de out. de 2021 às 15:14",
    it="mer 27 ott 2021 alle ore 15:14",
    nl="wo 27 okt. 2021 om 15:14",
    nb="ons. 27. okt. 2021 kl. 15:14",
)
# (marker, From, Subject, Date, To) and the date as Apple Mail writes it.
APPLE = dict(
    en=("Begin forwarded message:", "From", "Subject", "Date", "To"),
    de=("Anfang der weitergeleiteten Nachricht:", "Von", "Betreff", "Datum", "An"),
    fr=("Début du message réexpédié :", "De", "Objet", "Date", "À"),
    es=("Inicio del mensaje reenviado:", "De", "Asunto", "Fecha", "Para"),
    pt=("Início da mensagem reencaminhada:", "De", "Assunto", "Data", "Para"),
    it=("Inizio messaggio inoltrato:", "Da", "Oggetto", "Data", "A"),
    nl=("Begin doorgestuurd bericht:", "Van", "Onderwerp", "Datum", "Aan"),
    nb=("Videresendt melding:", "Fra", "Emne", "Dato", "Til"),
)
APPLE_DATE = dict(
    en="27 October 2021 at 15:14:00 CEST",
    de="27. Oktober 2021 um 15:14:00 MESZ",
    fr="27 octobre 2021 à 15:14:00 UTC+2",
    es="27 de octubre de 2021, 15:14:00 CEST",
    pt="27 de outubro de 2021, 15:14:00 CEST",
    it="27 ottobre 2021 15:14:00 CEST",
    nl="27 oktober 2021 om 15:14:00 CEST",
    nb="27. oktober 2021 kl. 15:14:00 CEST",
)
# Thunderbird: (marker, Subject, Date, From, To).
THUNDERBIRD = dict(
    en=("Forwarded Message", "Subject", "Date", "From", "To"),
    de=("Weitergeleitete Nachricht", "Betreff", "Datum", "Von", "An"),
    fr=("Message transféré", "Sujet ", "Date ", "De ", "Pour "),
    es=("Mensaje reenviado", "Asunto", "Fecha", "De", "Para"),
    pt=("Mensagem reencaminhada", "Assunto", "Data", "De", "Para"),
    it=("Messaggio Inoltrato", "Oggetto", "Data", "Mittente", "A"),
    nl=("Doorgestuurd bericht", "Onderwerp", "Datum", "Van", "Aan"),
    nb=("Videresendt melding", "Emne", "Dato", "Fra", "Til"),
)
# Outlook: (From, Sent, To, Subject), its date, its "Original Message" marker.
OUTLOOK = dict(
    en=("From", "Sent", "To", "Subject"),
    de=("Von", "Gesendet", "An", "Betreff"),
    fr=("De ", "Envoyé ", "À ", "Objet "),
    es=("De", "Enviado el", "Para", "Asunto"),
    pt=("De", "Enviado", "Para", "Assunto"),
    it=("Da", "Inviato", "A", "Oggetto"),
    nl=("Van", "Verzonden", "Aan", "Onderwerp"),
    nb=("Fra", "Sendt", "Til", "Emne"),
)
OUTLOOK_DATE = dict(
    en="Wednesday, October 27, 2021 3:14 PM",
    de="Mittwoch, 27. Oktober 2021 15:14",
    fr="mercredi 27 octobre 2021 15:14",
    es="miércoles, 27 de octubre de 2021 15:14",
    pt="quarta-feira, 27 de outubro de 2021 15:14",
    it="mercoledì 27 ottobre 2021 15:14",
    nl="woensdag 27 oktober 2021 15:14",
    nb="onsdag 27. oktober 2021 15:14",
)
ORIGINAL = dict(
    en="Original Message",
    de="Ursprüngliche Nachricht",
    fr="Message d'origine",
    es="Mensaje original",
    pt="Mensagem original",
    it="Messaggio originale",
    nl="Oorspronkelijk bericht",
    nb="Opprinnelig melding",
)
# Yahoo: (marker, From, To, Sent, Subject), all on the marker line.
YAHOO = dict(
    en=("Forwarded Message", "From:", "To:", "Sent:", "Subject:"),
    de=("Weitergeleitete Nachricht", "Von:", "An:", "Gesendet:", "Betreff:"),
    fr=("Message transmis", "De :", "À :", "Envoyé :", "Objet :"),
    es=("Mensaje reenviado", "De:", "Para:", "Enviado:", "Asunto:"),
    pt=("Mensagem reencaminhada", "De:", "Para:", "Enviado:", "Assunto:"),
    it=("Messaggio inoltrato", "Da:", "A:", "Inviato:", "Oggetto:"),
    nl=("Doorgestuurd bericht", "Van:", "Aan:", "Verzonden:", "Onderwerp:"),
    nb=("Videresendt melding", "Fra:", "Til:", "Sendt:", "Emne:"),
)
# Samsung Email: (marker, From, Date, To, Subject).
SAMSUNG = dict(
    en=("Original message", "From", "Date", "To", "Subject"),
    de=("Ursprüngliche Nachricht", "Von", "Datum", "An", "Betreff"),
    fr=("Message d'origine", "De ", "Date ", "À ", "Objet "),
    es=("Mensaje original", "De", "Fecha", "Para", "Asunto"),
    pt=("Mensagem original", "De", "Data", "Para", "Assunto"),
    it=("Messaggio originale", "Da", "Data", "A", "Oggetto"),
    nl=("Oorspronkelijk bericht", "Van", "Datum", "Aan", "Onderwerp"),
    nb=("Opprinnelig melding", "Fra", "Dato", "Til", "Emne"),
)
# Reply attribution lines ({who}: name and address, Thunderbird: name only).
ATTRIBUTIONS = {
    "gmail": dict(
        en="On Wed, Oct 27, 2021 at 3:14 PM {who} wrote:",
        de="Am Mi., 27. Okt. 2021 um 15:14 Uhr schrieb {who}:",
        fr="Le mer. 27 oct. 2021 à 15:14, {who} a écrit :",
        es="El mié, 27 oct 2021 a las 15:14, {who} escribió:",
        pt="Em qua., 27 de out. de 2021 às 15:14, {who} escreveu:",
        it="Il giorno mer 27 ott 2021 alle ore 15:14 {who} ha scritto:",
        nl="Op wo 27 okt. 2021 om 15:14 schreef {who}:",
        nb="ons. 27. okt. 2021 kl. 15:14 skrev {who}:",
    ),
    "apple": dict(
        en="On 27 Oct 2021, at 15:14, {who} wrote:",
        de="Am 27.10.2021 um 15:14 schrieb {who}:",
        fr="Le 27 oct. 2021 à 15:14, {who} a écrit :",
        es="El 27 oct 2021, a las 15:14, {who} escribió:",
        pt="Em 27 de out. de 2021, à(s) 15:14, {who} escreveu:",
        it="Il giorno 27 ott 2021, alle ore 15:14, {who} ha scritto:",
        nl="Op 27 okt. 2021 om 15:14 heeft {who} het volgende geschreven:",
        nb="27. okt. 2021 kl. 15:14 skrev {who}:",
    ),
    "thunderbird": dict(
        en="On 27.10.21 15:14, {who} wrote:",
        de="Am 27.10.21 um 15:14 schrieb {who}:",
        fr="Le 27/10/2021 à 15:14, {who} a écrit :",
        es="El 27/10/21 a las 15:14, {who} escribió:",
        pt="Em 27/10/2021 15:14, {who} escreveu:",
        it="Il 27/10/21 15:14, {who} ha scritto:",
        nl="Op 27-10-2021 om 15:14 schreef {who}:",
        nb="Den 27.10.2021 15:14, skrev {who}:",
    ),
}


def field(label, value, wrapped=False):
    """``label: value``, hard-wrapped near 60 columns as plain text does."""
    text = f"{label}: {value}"
    if not wrapped:
        return [text]
    cut = text.rfind(" ", 0, 60)
    return [text[:cut], text[cut + 1 :]]


def gmail(lang, subject, wrapped=False, no_from=False):
    head = [] if no_from else [f"{GMAIL_FROM[lang]}: {SENDER}"]
    head += [f"Date: {GMAIL_DATE[lang]}", *field("Subject", subject, wrapped)]
    lines = ["FYI", "", "---------- Forwarded message ---------", *head]
    return "\n".join([*lines, f"To: {TO}", "", "", BODY, ""])


def apple(lang, subject, wrapped=False, no_from=False):
    marker, sender, subj, date, to = APPLE[lang]
    lines = [marker, ""] + ([] if no_from else [f"{sender}: {SENDER}"])
    lines += [*field(subj, subject, wrapped), f"{date}: {APPLE_DATE[lang]}"]
    lines += [f"{to}: {TO}", "", BODY]
    return "Hello\n\n" + "\n".join(f"> {line}".rstrip() for line in lines) + "\n"


def thunderbird(lang, subject, wrapped=False, no_from=False):
    marker, subj, date, sender, to = THUNDERBIRD[lang]
    lines = ["", "", f"-------- {marker} --------", *field(subj, subject, wrapped)]
    lines += [f"{date}:\tWed, 27 Oct 2021 15:14:00 +0200"]
    lines += [] if no_from else [f"{sender}:\t{SENDER}"]
    return "\n".join([*lines, f"{to}:\t{TO}", "", "", "", BODY, ""])


def outlook(lang, subject, wrapped=False, no_from=False):
    sender, sent, to, subj = OUTLOOK[lang]
    lines = ["See below.", "", "_" * 32, f"{sender}: {SENDER}"]
    lines += [f"{sent}: {OUTLOOK_DATE[lang]}", f"{to}: {TO}"]
    return "\n".join([*lines, *field(subj, subject, wrapped), "", BODY, ""])


def outlook_quoted(lang, subject, wrapped=False, no_from=False):
    """Outlook's plain text with "prefix each line of the original message"."""
    sender, sent, to, subj = OUTLOOK[lang]
    lines = [] if no_from else [f"{sender}: {SENDER}"]
    lines += [f"{sent}: {OUTLOOK_DATE[lang]}", f"{to}: {TO}"]
    lines += [*field(subj, subject, wrapped), "", BODY]
    quoted = "\n".join(f"> {line}".rstrip() for line in lines)
    return f"See below.\n\n-----{ORIGINAL[lang]}-----\n{quoted}\n"


def windows_live(lang, subject, wrapped=False, no_from=False):
    sender, sent, to, subj = OUTLOOK[lang]
    lines = ["Hi", "", f"----- {ORIGINAL[lang]} ----- "]
    lines += [] if no_from else [f"{sender}: {SENDER}"]
    lines += [f"{to}: {TO}", f"{sent}: {OUTLOOK_DATE[lang]}"]
    return "\n".join([*lines, *field(subj, subject, wrapped), "", "", BODY, ""])


def samsung(lang, subject, wrapped=False, no_from=False):
    marker, sender, date, to, subj = SAMSUNG[lang]
    lines = [
        "FYI",
        "",
        "",
        "Sent from my Galaxy",
        "",
        "",
        f"-------- {marker} --------",
    ]
    lines += [] if no_from else [f"{sender}: {SENDER} "]
    lines += [f"{date}: 27/10/2021 15:14 (GMT+01:00) ", f"{to}: {TO} "]
    return "\n".join([*lines, *field(subj, subject, wrapped), "", BODY, ""])


def yahoo(lang, subject, wrapped=False, no_from=False):
    marker, sender, to, sent, subj = YAHOO[lang]
    head = "" if no_from else f"{sender} {SENDER}"
    head += f"{to} {TO}{sent} mercredi 27 octobre 2021 15:14:00 UTC+2{subj} {subject}"
    return f"FYI\n\n   ----- {marker} ----- {head}\n {BODY}\n"


CLIENTS = {
    "gmail": gmail,
    "apple": apple,
    "thunderbird": thunderbird,
    "outlook": outlook,
    "outlook-quoted": outlook_quoted,
    "windows-live": windows_live,
    "samsung": samsung,
    "yahoo": yahoo,
}
MARKER_CLIENTS = ("gmail", "apple", "thunderbird", "outlook-quoted", "windows-live")


def make(subject, body, to="log@vendor.example", headers="", content_type="text/plain"):
    return (
        f"From: Sam Seller <sam@vendor.example>\nTo: {to}\nSubject: {subject}\n"
        "Date: Tue, 02 Nov 2021 10:00:00 +0100\nMessage-ID: <m-1@vendor.example>\n"
        f"{headers}MIME-Version: 1.0\n"
        f"Content-Type: {content_type}; charset=utf-8\n"
        f"Content-Transfer-Encoding: 8bit\n\n{body}"
    ).encode()


def forward_of(raw):
    mail = parse.parse_message(raw)
    assert mail.kind == "forward", mail.auto_reason
    return mail.forward


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("client", sorted(CLIENTS))
@pytest.mark.parametrize("wrapped", [False, True], ids=["one-line", "wrapped"])
def test_prefixed_forward(client, lang, wrapped):
    if client == "yahoo" and wrapped:
        pytest.skip("Yahoo writes the fields on one line")
    subject = LONG[lang]
    body = CLIENTS[client](lang, subject, wrapped=wrapped)
    info = forward_of(make(f"{PREFIX[lang]}: {subject}", body))
    assert info.from_addr == "kim@customer.example"
    assert info.subject == subject
    assert info.to == ("bob@vendor.example",)
    assert info.body_text.strip().endswith(BODY)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("client", MARKER_CLIENTS)
def test_block_without_from(client, lang):
    body = CLIENTS[client](lang, LONG[lang], no_from=True)
    info = forward_of(make(f"{PREFIX[lang]}: {LONG[lang]}", body))
    assert (info.from_addr, info.subject, info.to) == (
        None,
        LONG[lang],
        ("bob@vendor.example",),
    )


@pytest.mark.parametrize("lang", LANGS)
def test_samsung_html_on_one_line(lang):
    marker, sender, date, to, subj = SAMSUNG[lang]
    esc = html.escape
    markup = (
        '<html><body><div dir="auto">FYI</div><div dir="auto"><br></div>'
        '<div dir="auto" style="font-size:100%;color:#000000">'
        f"-------- {marker} --------{sender}: {esc(SENDER)} {date}: 27/10/2021 "
        f"15:14 (GMT+01:00) {to}: {esc(TO)} {subj}: {esc(LONG[lang])} {esc(BODY)}"
        "</div></body></html>"
    )
    raw = make(f"Fwd: {LONG[lang]}", markup, content_type="text/html")
    info = forward_of(raw)
    assert (info.subject, info.from_addr, info.body_text) == (
        LONG[lang],
        "kim@customer.example",
        BODY,
    )


def outlook_html(lang, subject):
    sender, sent, to, subj = OUTLOOK[lang]
    esc = html.escape
    return (
        '<html><body><div class="WordSection1"><p class="MsoNormal">See below</p>'
        '<p class="MsoNormal"><o:p>&nbsp;</o:p></p><div style="border:none;'
        'border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        f'<p class="MsoNormal"><b>{sender}:</b> {esc(SENDER)}<br><b>{sent}:</b> '
        f"{OUTLOOK_DATE[lang]}<br><b>{to}:</b> {esc(TO)}<br><b>{subj}:</b> "
        f'{esc(subject)}</p></div><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        f'<p class="MsoNormal">{esc(BODY)}</p><p class="MsoNormal"><o:p>&nbsp;'
        '</o:p></p><p class="MsoNormal">Regards</p></div></body></html>'
    )


def apple_html(lang, subject):
    marker, sender, subj, date, to = APPLE[lang]
    esc = html.escape
    return (
        '<html><body>Hello<br><div><br><blockquote type="cite">'
        f'<div>{esc(marker)}</div><br class="Apple-interchange-newline">'
        f'<div style="margin:0"><b>{sender}: </b>{esc(SENDER)}</div>'
        f'<div style="margin:0"><b>{subj}: </b><b>{esc(subject)}</b></div>'
        f'<div style="margin:0"><b>{date}: </b>{APPLE_DATE[lang]}</div>'
        f'<div style="margin:0"><b>{to}: </b>{esc(TO)}</div><br>'
        f"<div><div>{esc(BODY)}</div></div></blockquote></div><br></body></html>"
    )


HTML_CLIENTS = {"outlook-html": outlook_html, "apple-html": apple_html}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("client", sorted(CLIENTS) + sorted(HTML_CLIENTS))
def test_forward_without_prefix_with_thread_headers(client, lang):
    """No subject prefix, In-Reply-To/References set: the body decides."""
    if client in HTML_CLIENTS:
        body, kind = HTML_CLIENTS[client](lang, LONG[lang]), "text/html"
    else:
        body, kind = CLIENTS[client](lang, LONG[lang]), "text/plain"
    info = forward_of(make(LONG[lang], body, headers=THREAD, content_type=kind))
    assert info.from_addr == "kim@customer.example"
    assert info.subject == LONG[lang]


def quoted_reply(style, lang, block_client):
    """A reply (no prefix) quoting a forward, under an attribution line."""
    who = "Kim Customer" if style == "thunderbird" else SENDER
    forwarded = CLIENTS[block_client](lang, "Prices")
    quoted = "\n".join(f"> {line}".rstrip() for line in forwarded.split("\n"))
    return f"Thanks Kim.\n\n{ATTRIBUTIONS[style][lang].format(who=who)}\n{quoted}\n"


def quoted_reply_html(lang, inner):
    attribution = html.escape(ATTRIBUTIONS["gmail"][lang].format(who=SENDER))
    return (
        '<div dir="ltr">Thanks Kim.</div><br><div class="gmail_quote">'
        f'<div dir="ltr" class="gmail_attr">{attribution}<br></div>'
        '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
        f'border-left:1px solid rgb(204,204,204);padding-left:1ex">{inner}'
        "</blockquote></div>"
    )


def as_html(text):
    lines = (html.escape(line) or "<br>" for line in text.split("\n"))
    return "<html><body>" + "".join(f"<div>{line}</div>" for line in lines) + "</body>"


@pytest.mark.parametrize("to", ["log@vendor.example", SENDER], ids=["to-log", "to-kim"])
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("block", sorted(CLIENTS))
@pytest.mark.parametrize("style", sorted(ATTRIBUTIONS))
def test_reply_quoting_a_forward(style, block, lang, to):
    raw = make("Prices", quoted_reply(style, lang, block), to=to, headers=THREAD)
    mail = parse.parse_message(raw)
    assert (mail.kind, mail.forward) == ("bcc", None)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("block", sorted(CLIENTS) + sorted(HTML_CLIENTS))
def test_html_reply_quoting_a_forward(block, lang):
    if block in HTML_CLIENTS:
        inner = HTML_CLIENTS[block](lang, "Prices")
    else:
        inner = as_html(CLIENTS[block](lang, "Prices"))
    raw = make("Prices", quoted_reply_html(lang, inner), content_type="text/html")
    mail = parse.parse_message(raw)
    assert (mail.kind, mail.forward) == ("bcc", None)


@pytest.mark.parametrize("lang", LANGS)
def test_outlook_reply_to_the_quoted_sender(lang):
    sender, sent, to, subj = OUTLOOK[lang]
    body = (
        f"Yes.\n\n{sender}: {SENDER}\n{sent}: {OUTLOOK_DATE[lang]}\n{to}: {TO}\n"
        f"{subj}: Prices\n\nHow many?\n"
    )
    mail = parse.parse_message(make("Prices", body, to=SENDER, headers=THREAD))
    assert mail.kind == "bcc"
