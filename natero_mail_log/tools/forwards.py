# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Forwarded-block parser (SPEC L2): one table of markers and labels per language.

A mail client that forwards inline writes a *header block* above the original
message, in the language of its user interface, e.g.::

    ---------- Forwarded message ---------      <- marker (Gmail, Missive)
    From: John Doe <john.doe@acme.com>          <- fields, one per line,
    Date: Wed, Oct 27, 2021 at 9:31 AM             localised labels
    Subject: Integer consequat non purus
    To: <bessie.berry@acme.com>

The layouts below are all read by the same scanner (``find_block``):

* a *marker* line (``LANGUAGES[lang]["forward_markers"]`` / ``"original_markers"``),
  possibly wrapped in dashes or quoted with ``>``, then the fields (Gmail, Apple
  Mail, Thunderbird, Yahoo, Samsung, Windows Live Mail, Outlook "-----Original
  Message-----", IONOS, MailMate, Sparrow, Mail.ru, HubSpot, eM Client); Yahoo
  writes all fields on the marker line itself (``----- Forwarded Message -----
  From: ...To: ...Subject: ...``), Samsung Email's HTML may write them and the
  body on one line (the Subject then ends where the outer Subject's forwarded
  subject ends); a block under a marker needs no From line (Thunderbird leaves
  it out when the original had none);
* an underscore rule ``________________________________`` then the fields
  (Outlook.com, Outlook desktop replies);
* a bare run of at least three fields including the sender (Outlook 2013-2019/365
  text and HTML, hand-written forwards);
* an attribution line (``Am 28/10/2021, 12:46 schrieb "John Doe" <j@d.com>:``,
  ``John Doe <j@d.com> kirjoitti 28/10/2021 12.46:``: a line ending with a
  colon that holds a localised "wrote" and a date, in any word order), used only
  for mails whose subject says "forward" (Outlook for Mac forwards).

A value may wrap onto the next line (Gmail's and Outlook's plain text): the line
continues it when the value is open (``<``, ``"``, a trailing comma), when it
completes the subject the outer Subject shows, or when a new field follows.

Month names that mean different months in different languages ("listopad") are
read in the language of the block's labels (``dates.parse_loose``).

``find_forward`` also tells where the block sits (``Found``): inside a reply's
quoted history (below an "On ... wrote:" line, or quoted below other quoted
text) or right below the new text, and whether anything is written above it.

HTML bodies are rendered to lines first (``htmltext.render``) and go through the
same scanner; the HTML below the block is cut from the tree for ``body_html``.
Whether a found block makes the mail a forward is decided in ``parse``.
"""

import re
import textwrap
from dataclasses import dataclass

from . import addresses, dates, htmltext

# Per language: the marker lines, the field labels, the subject prefixes and the
# verbs of reply attribution lines ("On <date>, <who> wrote:").  Labels and
# markers are matched case-insensitively; Romanian s/t with a cedilla and with a
# comma below are both accepted (``_variants``).
LANGUAGES = {
    "en": {
        "forward_markers": (
            "Forwarded message",
            "Begin forwarded message",
            "Forwarded e-mail",
            "Forwarded email",
            "Forwarded mail",
            "Forwarded Message",
            "Begin forwarded e-mail",
        ),
        "original_markers": (
            "Original Message",
            "Original e-mail",
            "Original message",
            "Original mail",
        ),
        "from": ("From",),
        "to": ("To",),
        "cc": ("Cc",),
        "bcc": ("Bcc",),
        "date": ("Date", "Sent", "Sent on", "Sent at", "Sent date"),
        "subject": ("Subject",),
        "forward_prefixes": ("Fwd", "Fw", "Fwrd", "FW", "FWD", "Forward"),
        "reply_prefixes": ("Re", "RE", "Reply"),
        "wrote": ("wrote",),
    },
    "de": {
        "forward_markers": (
            "Weitergeleitete Nachricht",
            "Anfang der weitergeleiteten Nachricht",
            "Weitergeleitete E-Mail",
            "Anfang der weitergeleiteten E-Mail",
            "Weitergeleitete Mitteilung",
        ),
        "original_markers": (
            "Ursprüngliche Nachricht",
            "Original-Nachricht",
            "Originalnachricht",
            "Ursprüngliche E-Mail",
        ),
        "from": ("Von", "Absender"),
        "to": ("An",),
        "cc": ("Kopie", "Kopie (CC)", "CC", "Cc", "Kopie an"),
        "bcc": ("Bcc", "Blindkopie"),
        "date": ("Datum", "Gesendet", "Gesendet am", "Datum gesendet"),
        "subject": ("Betreff",),
        "forward_prefixes": ("WG", "Wtrlt", "Weitergeleitet", "Wg"),
        "reply_prefixes": ("AW", "Antw", "Antwort", "Aw"),
        "wrote": ("schrieb", "geschrieben"),
    },
    "fr": {
        "forward_markers": (
            "Message transféré",
            "Début du message réexpédié",
            "Message transmis",
            "Début du message transféré",
            "Message réexpédié",
            "Courriel transféré",
            "E-mail transféré",
        ),
        "original_markers": (
            "Message d'origine",
            "Message original",
            "Message d’origine",
            "Courriel d'origine",
            "Message initial",
        ),
        "from": ("De", "Expéditeur"),
        "to": ("À", "A", "Pour", "Destinataire", "Envoyé à", "Destinataires"),
        "cc": ("Cc", "Copie à", "Copie"),
        "bcc": ("Cci",),
        "date": ("Date", "Envoyé", "Envoyé le", "Date d'envoi"),
        "subject": ("Objet", "Sujet", "Objet du message"),
        "forward_prefixes": ("Tr", "Trans", "TR", "Transf", "Fwd"),
        "reply_prefixes": (
            "Rép",
            "Rep",
            "Réponse",
        ),
        "wrote": ("a écrit",),
    },
    "es": {
        "forward_markers": (
            "Mensaje reenviado",
            "Inicio del mensaje reenviado",
            "Comienzo del mensaje reenviado",
            "Correo reenviado",
            "Inicio del correo reenviado",
        ),
        "original_markers": (
            "Mensaje original",
            "Mensaje de origen",
            "Correo original",
        ),
        "from": ("De", "Remitente", "Enviado por"),
        "to": ("Para", "Destinatario", "Destinatarios", "A"),
        "cc": ("CC", "Copia"),
        "bcc": ("CCO",),
        "date": ("Fecha", "Enviado", "Enviado el"),
        "subject": ("Asunto",),
        "forward_prefixes": ("RV", "Reenv", "Rv", "Reenviado", "Reenvío"),
        "reply_prefixes": ("RE", "Resp", "Respuesta", "Rta"),
        "wrote": ("escribió",),
    },
    "pt": {
        "forward_markers": (
            "Mensagem encaminhada",
            "Início da mensagem encaminhada",
            "Início da mensagem reencaminhada",
            "Mensagem reencaminhada",
            "E-mail encaminhado",
            "Início do e-mail encaminhado",
        ),
        "original_markers": (
            "Mensagem original",
            "Mensagem de origem",
            "E-mail original",
        ),
        "from": ("De", "Remetente", "Enviado por"),
        "to": ("Para", "Destinatário", "Destinatários", "A"),
        "cc": ("Cc", "Cópia"),
        "bcc": ("Cco",),
        "date": (
            "Data",
            "Enviada",
            "Enviado",
            "Enviada em",
            "Enviado em",
            "Data de envio",
        ),
        "subject": ("Assunto",),
        "forward_prefixes": ("Enc", "Encaminhar", "ENC", "Reenc", "Encaminhado"),
        "reply_prefixes": ("Res", "Resp", "RES", "Resposta", "RESP"),
        "wrote": ("escreveu",),
    },
    "it": {
        "forward_markers": (
            "Messaggio inoltrato",
            "Inizio messaggio inoltrato",
            "E-mail inoltrata",
            "Inizio del messaggio inoltrato",
        ),
        "original_markers": (
            "Messaggio originale",
            "Messaggio di origine",
            "E-mail originale",
        ),
        "from": ("Da", "Mittente"),
        "to": ("A", "Destinatario", "Destinatari"),
        "cc": ("Cc", "Copia"),
        "bcc": ("Ccn",),
        "date": ("Data", "Inviato", "Inviato il", "Inviata", "Data invio"),
        "subject": ("Oggetto",),
        "forward_prefixes": ("I", "Inoltro", "Inoltrato", "Fw"),
        "reply_prefixes": ("R", "Rif", "Ris", "RIF", "Risposta", "RIS"),
        "wrote": ("ha scritto", "scrive"),
    },
    "nl": {
        "forward_markers": (
            "Doorgestuurd bericht",
            "Begin doorgestuurd bericht",
            "Doorgestuurde e-mail",
            "Doorgestuurd e-mailbericht",
            "Begin van doorgestuurd bericht",
        ),
        "original_markers": (
            "Oorspronkelijk bericht",
            "Origineel bericht",
            "Originele bericht",
            "Oorspronkelijke bericht",
        ),
        "from": ("Van", "Afzender"),
        "to": ("Aan", "Ontvanger", "Ontvangers"),
        "cc": ("Cc", "Kopie"),
        "bcc": ("Bcc",),
        "date": ("Datum", "Verzonden", "Verstuurd", "Verzonden op", "Verstuurd op"),
        "subject": ("Onderwerp",),
        "forward_prefixes": (
            "Doorst",
            "Fw",
            "Doorgestuurd",
        ),
        "reply_prefixes": (
            "Antw",
            "Re",
            "Antwoord",
        ),
        "wrote": ("schreef", "geschreven"),
    },
    "nb": {
        "forward_markers": (
            "Videresendt melding",
            "Videresendt e-post",
            "Videresendt e-postmelding",
            "Start på videresendt melding",
            "Begynnelse på videresendt melding",
        ),
        "original_markers": (
            "Opprinnelig melding",
            "Original melding",
            "Opprinnelig e-post",
            "Originalmelding",
        ),
        "from": ("Fra", "Avsender"),
        "to": ("Til", "Mottaker", "Mottakere"),
        "cc": ("Kopi", "Kopi til", "Cc"),
        "bcc": ("Blindkopi",),
        "date": ("Dato", "Sendt", "Sendt dato", "Sendt den"),
        "subject": ("Emne",),
        "forward_prefixes": ("VS", "Videresend", "Vidersend", "Vs", "Videresendt"),
        "reply_prefixes": ("SV", "Svar", "Sv"),
        "wrote": ("skrev",),
    },
    "da": {
        "forward_markers": (
            "Videresendt meddelelse",
            "Videresendt besked",
            "Start på videresendt besked",
            "Videresendt mail",
            "Videresendt e-mail",
            "Start på videresendt meddelelse",
        ),
        "original_markers": (
            "Oprindelig meddelelse",
            "Original meddelelse",
            "Originalmeddelelse",
            "Oprindelig mail",
        ),
        "from": ("Fra", "Afsender"),
        "to": ("Til", "Modtager", "Modtagere"),
        "cc": ("Cc", "Kopi", "Kopi til"),
        "bcc": ("Bcc",),
        "date": ("Dato", "Sendt", "Sendt den"),
        "subject": ("Emne",),
        "forward_prefixes": ("VS", "Videresend", "Videresendt", "Vs"),
        "reply_prefixes": ("SV", "Sv", "Svar"),
        "wrote": ("skrev",),
    },
    "sv": {
        "forward_markers": (
            "Vidarebefordrat meddelande",
            "Vidarebefordrat brev",
            "Början på vidarebefordrat brev",
            "Vidarebefordrat mejl",
            "Vidarebefordrat e-postmeddelande",
            "Början av vidarebefordrat meddelande",
        ),
        "original_markers": (
            "Ursprungligt meddelande",
            "Originalmeddelande",
            "Ursprungligt mejl",
        ),
        "from": ("Från", "Avsändare"),
        "to": ("Till", "Mottagare"),
        "cc": ("Kopia",),
        "bcc": ("Hemlig kopia",),
        "date": ("Datum", "Skickat", "Skickat den", "Skickades"),
        "subject": ("Ämne",),
        "forward_prefixes": ("VB", "Vb", "Vidarebefordrat"),
        "reply_prefixes": ("SV", "Sv", "Svar"),
        "wrote": ("skrev",),
    },
    "fi": {
        "forward_markers": (
            "Välitetty viesti",
            "Edelleenlähetetty viesti",
            "Välitetty viesti alkaa",
            "Edelleenlähetetty sähköposti",
        ),
        "original_markers": ("Alkuperäinen viesti",),
        "from": ("Lähettäjä",),
        "to": ("Vastaanottaja",),
        "cc": ("Kopio",),
        "bcc": ("Piilokopio",),
        "date": ("Päivämäärä", "Päiväys", "Lähetetty"),
        "subject": ("Aihe",),
        "forward_prefixes": ("VL", "Välitetty", "Vl"),
        "reply_prefixes": ("VS", "Vast", "Vastaus"),
        "wrote": ("kirjoitti",),
    },
    "et": {
        "forward_markers": ("Edastatud kiri", "Edastatud sõnum"),
        "original_markers": ("Algne sõnum", "Algne kiri"),
        "from": ("Saatja",),
        "to": ("Saaja", "Adressaat"),
        "cc": ("Koopia",),
        "bcc": ("Pimekoopia",),
        "date": ("Kuupäev", "Saadetud"),
        "subject": ("Teema",),
        "forward_prefixes": ("Edasi", "Fw"),
        "reply_prefixes": ("Vastus", "Vs"),
        "wrote": ("kirjutas",),
    },
    "pl": {
        "forward_markers": (
            "Wiadomość przekazana",
            "Przekazana wiadomość",
            "Wiadomość przesłana dalej",
            "Treść przekazanej wiadomości",
            "Początek przekazywanej wiadomości",
            "Przesłana wiadomość",
        ),
        "original_markers": ("Oryginalna wiadomość", "Wiadomość oryginalna"),
        "from": ("Od", "Nadawca"),
        "to": ("Do", "Adresat"),
        "cc": ("DW", "Kopia"),
        "bcc": ("UDW",),
        "date": ("Data", "Wysłano", "Wysłane"),
        "subject": ("Temat",),
        "forward_prefixes": ("PD", "Prześlij dalej", "Fw", "Przekaż"),
        "reply_prefixes": ("Odp", "ODP", "Odpowiedź"),
        "wrote": ("napisał(a)", "napisał", "napisała", "pisze"),
    },
    "cs": {
        "forward_markers": (
            "Přeposlaná zpráva",
            "Začátek přeposílané zprávy",
            "Přeposílaná zpráva",
        ),
        "original_markers": ("Původní zpráva",),
        "from": ("Od", "Odesílatel"),
        "to": ("Komu", "Příjemce"),
        "cc": ("Kopie",),
        "bcc": ("Skrytá kopie",),
        "date": ("Datum", "Odesláno"),
        "subject": ("Předmět",),
        "forward_prefixes": ("PŘ", "Fw", "Přeposláno"),
        "reply_prefixes": ("Odp", "RE", "Odpověď"),
        "wrote": ("napsal(a)", "napsal", "napsala"),
    },
    "sk": {
        "forward_markers": (
            "Preposlaná správa",
            "Začiatok preposlanej správy",
            "Preposielaná správa",
        ),
        "original_markers": ("Pôvodná správa",),
        "from": ("Od", "Odosielateľ"),
        "to": ("Komu", "Pre", "Adresát"),
        "cc": ("Kópia",),
        "bcc": ("Skrytá kópia",),
        "date": ("Dátum", "Odoslané"),
        "subject": ("Predmet",),
        "forward_prefixes": ("Fw", "Preposlané"),
        "reply_prefixes": ("Odp", "Re", "Odpoveď"),
        "wrote": ("napísal(a)", "napísal", "napísala"),
    },
    "hr": {
        "forward_markers": (
            "Proslijeđena poruka",
            "Prosljeđena poruka",
            "Započni proslijeđenu poruku",
        ),
        "original_markers": ("Izvorna poruka", "Originalna poruka"),
        "from": ("Šalje", "Pošiljatelj", "Od"),
        "to": ("Prima", "Primatelj"),
        "cc": ("Kopija",),
        "bcc": ("Skrivena kopija",),
        "date": ("Datum", "Poslano"),
        "subject": ("Predmet", "Naslov"),
        "forward_prefixes": ("Proslijeđeno", "Fw"),
        "reply_prefixes": ("Odg", "Odgovor"),
        "wrote": ("je napisao", "je napisala", "napisao", "napisala"),
    },
    "hu": {
        "forward_markers": ("Továbbított üzenet", "Továbbított levél kezdete"),
        "original_markers": ("Eredeti üzenet",),
        "from": ("Feladó",),
        "to": ("Címzett", "Címzettek"),
        "cc": ("Másolat", "Másolatot kap"),
        "bcc": ("Titkos másolat",),
        "date": ("Dátum", "Elküldve", "Küldve"),
        "subject": ("Tárgy",),
        "forward_prefixes": ("TOV", "Továbbítás"),
        "reply_prefixes": ("VÁ", "Válasz"),
        "wrote": ("ezt írta", "írta"),
    },
    "ro": {
        "forward_markers": (
            "Mesaj redirecționat",
            "Începe mesajul redirecționat",
            "Mesaj transmis",
        ),
        "original_markers": ("Mesaj original", "Mesajul original"),
        "from": ("De la", "Expeditor", "Expeditorul"),
        "to": ("Către", "Destinatar", "Destinatarul"),
        "cc": ("Cc",),
        "bcc": ("Bcc",),
        "date": ("Dată", "Data", "Trimis"),
        "subject": ("Subiect", "Subiectul"),
        "forward_prefixes": ("Redirecționat", "Fw"),
        "reply_prefixes": ("Răspuns", "RE"),
        "wrote": ("a scris",),
    },
    "tr": {
        "forward_markers": (
            "İletilen ileti",
            "İletilmiş ileti",
            "İletilen mesaj",
            "İletilmiş mesaj",
            "İleti başlangıcı",
        ),
        "original_markers": ("Özgün ileti", "Orijinal ileti", "Orijinal mesaj"),
        "from": ("Kimden", "Gönderen"),
        "to": ("Kime", "Alıcı"),
        "cc": ("Bilgi", "Cc"),
        "bcc": ("Gizli",),
        "date": ("Tarih", "Gönderilen", "Gönderildi"),
        "subject": ("Konu",),
        "forward_prefixes": ("İLT", "İlt", "Fw"),
        "reply_prefixes": ("YNT", "Ynt", "Cevap"),
        "wrote": ("yazdı",),
    },
    "ru": {
        "forward_markers": (
            "Пересылаемое сообщение",
            "Пересланное сообщение",
            "Переадресованное сообщение",
            "Начало переадресованного сообщения",
            "Начало пересылаемого сообщения",
            "Перенаправленное сообщение",
            "Переадресованное письмо",
            "Пересланное письмо",
        ),
        "original_markers": ("Исходное сообщение", "Исходное письмо"),
        "from": ("От", "От кого", "Отправитель"),
        "to": ("Кому", "Получатель"),
        "cc": ("Копия",),
        "bcc": ("Скрытая копия",),
        "date": ("Дата", "Отправлено"),
        "subject": ("Тема",),
        "forward_prefixes": ("Пересл", "Переслать"),
        "reply_prefixes": (
            "Ответ",
            "Отв",
            "RE",
        ),
        "wrote": ("написал(а)", "написал", "написала", "пишет"),
    },
    "uk": {
        "forward_markers": (
            "Переслане повідомлення",
            "Пересланий лист",
            "Перенаправлене повідомлення",
            "Початок листа, що пересилається",
            "Початок пересланого повідомлення",
        ),
        "original_markers": ("Оригінальне повідомлення", "Вихідне повідомлення"),
        "from": ("Від", "Від кого", "Відправник"),
        "to": ("Кому", "Одержувач", "Отримувач"),
        "cc": ("Копія",),
        "bcc": ("Прихована копія",),
        "date": ("Дата", "Надіслано", "Відправлено"),
        "subject": ("Тема",),
        "forward_prefixes": ("Пересл", "Переслати"),
        "reply_prefixes": ("Відп", "Відповідь"),
        "wrote": ("написав", "написала", "пише"),
    },
    "ja": {
        "forward_markers": (
            "メッセージを転送",
            "転送されたメッセージ",
            "転送メッセージ",
        ),
        "original_markers": ("元のメッセージ",),
        "from": ("送信元", "差出人"),
        "to": ("送信先", "宛先"),
        "cc": ("CC",),
        "bcc": ("BCC",),
        "date": ("日付", "送信日時", "日時"),
        "subject": ("件名",),
        "forward_prefixes": ("転送",),
        "reply_prefixes": ("返信", "Re"),
        "wrote": (),
    },
    "zh": {
        "forward_markers": ("转发的邮件", "轉寄的郵件"),
        "original_markers": ("原始邮件", "原始郵件"),
        "from": ("发件人", "寄件者"),
        "to": ("收件人", "收件者"),
        "cc": ("抄送", "副本"),
        "bcc": ("密送",),
        "date": ("日期", "发送时间", "時間"),
        "subject": ("主题", "主旨"),
        "forward_prefixes": ("转发", "轉寄", "Fw"),
        "reply_prefixes": ("回复", "答复", "回覆"),
        "wrote": (),
    },
}

FIELDS = ("from", "to", "cc", "bcc", "date", "subject")
# Header lines that may sit inside a block and are skipped (not fields).
EXTRA_LABELS = (
    "Reply-To",
    "Antwort an",
    "Répondre à",
    "Responder a",
    "Rispondi a",
    "Antwoord aan",
    "Svar til",
    "Svara till",
    "Importance",
    "Priority",
    "Wichtigkeit",
    "Priorité",
    "Prioridad",
    "Sensitivity",
    "Attachments",
    "Anhänge",
    "Anlagen",
    "Pièces jointes",
    "Adjuntos",
    "Anexos",
    "Allegati",
    "Bijlagen",
    "Vedlegg",
    "Bilagor",
    "Вложения",
    "添付ファイル",
    "Organization",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Ответить",
    "Return-Path",
)
MAX_LINES = 4000
MAX_CHARS = 600_000


# Romanian s/t with a cedilla (legacy code pages) and with a comma below.
_CEDILLA = str.maketrans("şţŞŢ", "șțȘȚ")
_COMMA_BELOW = str.maketrans("șțȘȚ", "şţŞŢ")


def _key(value):
    """Lookup key of a label, marker or prefix: lower case, one Romanian form,
    no combining dot (Turkish "İ" lower-cases to "i" + U+0307)."""
    return value.lower().replace("\u0307", "").translate(_CEDILLA)


def _variants(value):
    """``value`` and its other Romanian spelling (cedilla / comma below)."""
    return {value, value.translate(_CEDILLA), value.translate(_COMMA_BELOW)}


def _table(key):
    """Every entry of ``key`` over all languages, longest first, deduplicated."""
    values = {
        variant
        for lang in LANGUAGES.values()
        for value in lang[key]
        if value
        for variant in _variants(value)
    }
    return sorted(values, key=lambda value: (-len(value), value))


def _label_map():
    """Label key -> field name."""
    mapping = {}
    for field in FIELDS:
        for label in _table(field):
            mapping.setdefault(_key(label), field)
    return mapping


def _word_languages():
    """Label or verb key -> the languages that use it (in table order)."""
    mapping = {}
    for code, lang in LANGUAGES.items():
        for field in (*FIELDS, "wrote"):
            for label in lang[field]:
                langs = mapping.setdefault(_key(label), [])
                if code not in langs:
                    langs.append(code)
    return {label: tuple(langs) for label, langs in mapping.items()}


def _alternation(values):
    """A regex alternation of literal strings (longest first)."""
    return "|".join(re.escape(value) for value in values)


LABELS = _label_map()
WORD_LANGUAGES = _word_languages()
_ALL_LABELS = _table("from") + _table("to") + _table("cc") + _table("bcc")
_ALL_LABELS = sorted(
    set(_ALL_LABELS + _table("date") + _table("subject")),
    key=lambda label: (-len(label), label),
)
FORWARD_MARKERS = frozenset(_key(m) for m in _table("forward_markers"))
FORWARD_PREFIXES = frozenset(_key(p) for p in _table("forward_prefixes"))
REPLY_PREFIXES = frozenset(_key(p) for p in _table("reply_prefixes"))
# A forward in one language and a reply in another ("VS": Norwegian and Danish
# forward, Finnish and Estonian reply): no evidence, the body decides.
AMBIGUOUS_PREFIXES = FORWARD_PREFIXES & REPLY_PREFIXES

_COLON = r"[ \t\u00a0\u202f]*[:：]"
_FIELD_RE = re.compile(
    rf"^[*\s]*(?P<label>{_alternation(_ALL_LABELS)})[*\s]*[:：][*\s]*(?P<value>.*)$",
    re.IGNORECASE,
)
_EXTRA_RE = re.compile(
    rf"^[*\s]*(?:{_alternation(EXTRA_LABELS)}|[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)"
    rf"[*\s]*[:：]",
    re.IGNORECASE,
)
_MARKER_RE = re.compile(
    r"^[-–—=_*#\s]*(?P<marker>"
    + _alternation(_table("forward_markers") + _table("original_markers"))
    + r")[\s\u00a0]*[:：]?[-–—=_*#\s]*(?P<rest>.*)$",
    re.IGNORECASE,
)
# Yahoo writes the fields on the marker line: "From: a <a@x>To: b@y Subject: z".
_SOUP_RE = re.compile(
    rf"(?:(?<=[\s>\w)\]\"'])|^)(?P<label>{_alternation(_ALL_LABELS)}){_COLON}\s"
)
_MARKER_TAIL_RE = re.compile(r"^[^:@<>]{1,40}?\s[-–—=]{2,}$")
_RULE_RE = re.compile(r"^[_\u2014\u2500]{10,}$")
_QUOTE_RE = re.compile(r"^((?:[ \t]*>)+)[ \t]?")
_INVISIBLE_RE = re.compile("^[\ufeff\u200b-\u200f]+")
_PREFIX_RE = re.compile(
    r"^\s*(?:\[[^\]]{0,60}\]\s*)*(?P<word>[^\W\d_](?:[^\W\d_]| (?=[^\W\d_]))"
    r"{0,14})\.?\s*(?:\[\d+\]|\(\d+\))?\s*[:：]"
)
# Attribution lines: "On <date>, <who> wrote:", "<who> kirjoitti <date>:", ...
_WROTE_RE = re.compile(
    r"(?<!\w)(?:" + _alternation(_table("wrote")) + r")(?!\w)", re.IGNORECASE
)
# The address of an attribution and what wraps it: <a>, (a), (<a>), [mailto:a].
_BRACKETED_RE = re.compile(
    r"(?:\(\s*<|<|\(|\[mailto:)?\s*"
    + addresses.ADDRESS_RE.pattern
    + r"\s*(?:>\s*\)|>|\)|\])?"
)
_QUOTED_NAME_RE = re.compile(
    r"(?:\"(?P<a>[^\"]+)\"|«\s*(?P<b>[^«»]+?)\s*»|„(?P<c>[^„“”]+)[“”]|“(?P<d>[^“”]+)”"
    r"|'(?P<e>[^']+)')\s*$"
)
_FILLER_RE = re.compile(r"(?i)\b(?:het volgende|følgende|följande)\b")
_NAME_STOP = frozenset(("am", "pm", "a.m.", "p.m.", "gmt", "utc", "cet", "cest"))
_MAX_ATTRIBUTION = 400


@dataclass(frozen=True)
class ForwardInfo:
    """The outermost forwarded message found in a mail (see module doc)."""

    from_addr: str | None
    from_name: str
    to: tuple
    cc: tuple
    subject: str
    date: object
    date_raw: str
    body_html: str
    body_text: str
    source: str
    deepest_from: str | None = None
    from_raw: str = ""  # the sender as written in the block


@dataclass
class Block:
    """A header block found in a list of lines."""

    fields: dict
    start: int
    body_start: int
    depth: int
    kind: str
    date_raw: str = ""
    labels: tuple = ()
    body_head: str = ""  # the body's start, on the block's last line (soup)


def subject_kind(subject):
    """'forward', 'reply' or None from the first prefix of a subject line."""
    match = _PREFIX_RE.match(subject or "")
    if not match:
        return None
    word = _key(match.group("word"))
    if word in AMBIGUOUS_PREFIXES:
        return None
    if word in FORWARD_PREFIXES:
        return "forward"
    if word in REPLY_PREFIXES:
        return "reply"
    return None


def strip_forward_prefix(subject):
    """The subject without its first prefix (``FW: x`` -> ``x``)."""
    match = _PREFIX_RE.match(subject or "")
    if match and _key(match.group("word")) in FORWARD_PREFIXES:
        return subject[match.end() :].strip()
    return (subject or "").strip()


def split_lines(text):
    """(quote depth, content) for each line of ``text`` (a str or a list)."""
    if isinstance(text, list):
        raw_lines = text
    else:
        raw_lines = (text or "")[:MAX_CHARS].splitlines()
    lines = []
    for raw in raw_lines[:MAX_LINES]:
        raw = _INVISIBLE_RE.sub("", raw)
        match = _QUOTE_RE.match(raw)
        if match:
            lines.append((match.group(1).count(">"), raw[match.end() :].rstrip()))
        else:
            lines.append((0, raw.rstrip()))
    return lines


def field_of(content):
    """(field, value, label key) when ``content`` is a header line, else None."""
    match = _FIELD_RE.match(content)
    if not match:
        return None
    key = _key(match.group("label"))
    return LABELS[key], match.group("value").strip(), key


def _soup_fields(text, hint=""):
    """Fields written on one line, label after label (Yahoo, Samsung);
    (fields, labels, the text after the last value when it is cut)."""
    matches = list(_SOUP_RE.finditer(text))
    fields, labels, last = {}, [], None
    for match, following in zip(matches, matches[1:] + [None], strict=False):
        end = following.start() if following else len(text)
        key = _key(match.group("label"))
        labels.append(key)
        if LABELS[key] not in fields:
            fields[LABELS[key]] = text[match.end() : end].strip()
            last = LABELS[key]
    rest = ""
    if last == "subject" and matches:
        # The last value runs to the end of the line, where a client that
        # writes no line breaks (Samsung Email's HTML) puts the body.
        cut = _cut_to_hint(fields["subject"], hint)
        if cut:
            fields["subject"], rest = cut
    return fields, tuple(labels), rest


def _norm(text):
    """Case- and space-insensitive form of a subject."""
    return " ".join(text.split()).casefold()


def _cut_to_hint(value, hint):
    """(subject, rest) when ``value`` starts with the subject ``hint`` and
    goes on; None otherwise."""
    target = _norm(hint)
    if not target or not _norm(value).startswith(target):
        return None
    for word in re.finditer(r"\S+", value):
        head = value[: word.end()]
        if _norm(head) == target:
            rest = value[word.end() :].strip()
            return (head.strip(), rest) if rest else None
        if len(_norm(head)) > len(target):
            break
    return None


def _open_value(value):
    """True when a field value obviously continues on the next line."""
    return (
        value.count("<") > value.count(">")
        or value.count('"') % 2 == 1
        or value.rstrip().endswith((",", ";"))
    )


class _FieldReader:
    """Reads consecutive field lines from a given line on.

    A line that is no field continues the previous value when that value is
    obviously open (``<``, ``"``, a trailing comma), when the line completes
    the subject the outer Subject shows (``hint``: a folded Subject, wrapped
    by Gmail's or Outlook's plain text), or when the block goes on with a new
    field right below it (any wrapped value).
    """

    def __init__(self, lines, start, allow_gaps, hint=""):
        self.lines = lines
        self.index = start
        self.allow_gaps = allow_gaps
        self.hint = hint
        self.fields = {}
        self.labels = []
        self.depth = None
        self.last = None
        self.body_head = ""

    def consume(self):
        """Consume field lines; returns (fields, index after them, depth)."""
        limit = min(len(self.lines), self.index + 60)
        while self.index < limit:
            depth, content = self.lines[self.index]
            content = content.strip()
            if not content:
                if self._skip_gap():
                    continue
                break
            if self.depth is None:
                self.depth = depth
            if depth < self.depth or not self._take(content):
                break
            self.index += 1
        return self.fields, self.index, self.depth or 0

    def block(self, start, kind):
        """The Block of the fields read (call after ``consume``)."""
        return Block(
            self.fields,
            start,
            self.index,
            self.depth or 0,
            kind,
            labels=tuple(self.labels),
            body_head=self.body_head,
        )

    def _take(self, content):
        """Take one line as a field, a skipped header line or a continuation."""
        if self.body_head:
            return False
        found = field_of(content)
        if found:
            field, value, key = found
            if field in self.fields:
                return False
            if field == "from" and not self.fields and self._take_soup(content):
                return True
            self.fields[field], self.last = value, field
            self.labels.append(key)
            return True
        if _EXTRA_RE.match(content):
            self.last = None
            return True
        if self.last and (
            _open_value(self.fields[self.last]) or self._continues(content)
        ):
            self.fields[self.last] += " " + content
            return True
        return False

    def _take_soup(self, content):
        """All fields on one line below a marker (Samsung Email's HTML)."""
        if content.count(":") + content.count("：") < 3:
            return False
        fields, labels, rest = _soup_fields(content, self.hint)
        if len(fields) < 3:
            return False
        self.fields.update(fields)
        self.labels.extend(labels)
        self.last = None if rest else list(fields)[-1]
        self.body_head = rest
        return True

    def _continues(self, content):
        """True when a non-field line is the wrapped end of the last value."""
        if len(content) > 200 or _MARKER_RE.match(content) or _RULE_RE.match(content):
            return False
        value = self.fields[self.last]
        if self.last == "subject" and self.hint:
            target, joined = _norm(self.hint), _norm(f"{value} {content}")
            if target.startswith(joined) and len(joined) > len(_norm(value)):
                return True
        depth = self.lines[self.index][0]
        following = self.index + 1
        if following < len(self.lines) and self.lines[following][0] == depth:
            found = field_of(self.lines[following][1].strip())
            return bool(found) and found[0] not in self.fields
        return False

    def _skip_gap(self):
        """Skip up to 3 blank lines when more fields follow them."""
        if self.fields and not self.allow_gaps:
            return False
        ahead = self.index
        while ahead < len(self.lines) and not self.lines[ahead][1].strip():
            ahead += 1
        if ahead - self.index > 3 or ahead >= len(self.lines):
            return False
        if not field_of(self.lines[ahead][1].strip()):
            return False
        self.index = ahead
        return True


def _reader(lines, start, allow_gaps, hint=""):
    """A _FieldReader that has consumed the field lines at ``start``."""
    reader = _FieldReader(lines, start, allow_gaps, hint)
    reader.consume()
    return reader


def find_block(lines, start=0, subject=""):
    """The first header block at or after line ``start``, or None.

    ``subject`` is the outer Subject: the forwarded subject it shows helps to
    read a Subject field that wraps or runs into the body.
    """
    hint = strip_forward_prefix(subject)
    for index in range(start, len(lines)):
        content = lines[index][1].strip()
        if content:
            block = _block_at(lines, index, content, hint)
            if block:
                return block
    return None


def _block_at(lines, index, content, hint=""):
    """A block starting at line ``index`` (marker, rule or bare fields)."""
    marker = _MARKER_RE.match(content)
    if marker and _marker_rest_ok(marker.group("rest")):
        return _marker_block(lines, index, marker, hint)
    if _RULE_RE.match(content):
        reader = _reader(lines, index + 1, allow_gaps=False, hint=hint)
        if "from" in reader.fields and len(reader.fields) >= 2:
            return reader.block(index, "rule")
        return None
    if field_of(content):
        reader = _reader(lines, index, allow_gaps=False, hint=hint)
        if "from" in reader.fields and len(reader.fields) >= 3:
            return reader.block(index, "bare")
    return None


def _marker_rest_ok(rest):
    """A marker line ends there, goes on with fields (Yahoo), or repeats the
    marker in another language before its closing dashes (Thunderbird:
    "Preposlaná správa --- Forwarded Message ----", "Välitetty viesti / Fwd.Msg --")."""
    if not rest or _SOUP_RE.match(rest):
        return True
    again = _MARKER_RE.match(rest)
    return (bool(again) and not again.group("rest")) or bool(
        _MARKER_TAIL_RE.match(rest)
    )


def _marker_kind(match):
    """'forward' for explicit forward markers, 'original' otherwise."""
    return "forward" if _key(match.group("marker")) in FORWARD_MARKERS else "original"


def _marker_block(lines, index, match, hint=""):
    """The block introduced by a marker line, or None when no field follows.

    A block without a From line is still the forwarded message (Thunderbird
    leaves From out when the original had none): its other fields count.
    """
    kind = _marker_kind(match)
    rest = match.group("rest")
    if rest and not (_MARKER_RE.match(rest) or _MARKER_TAIL_RE.match(rest)):
        fields, labels, head = _soup_fields(rest, hint)
        block = Block(
            fields,
            index,
            index + 1,
            lines[index][0],
            kind,
            labels=labels,
            body_head=head,
        )
    else:
        block = _reader(lines, index + 1, allow_gaps=True, hint=hint).block(index, kind)
    if "from" in block.fields:
        return block
    enough = 1 if kind == "forward" else 2
    return block if len(block.fields) >= enough else None


def find_attribution(lines, limit=300):
    """A reply-style attribution line as a Block, in any word order.

    ``On <date>, <who> wrote:``, ``Am <date> schrieb <who>:``, ``<who> kirjoitti
    <date>:``, ``<date> időpontban <who> ezt írta:``, ``<who>, <date> tarihinde
    şunu yazdı:``...: a line ending with a colon, holding a verb of ``wrote`` and
    a date; the sender is the address in it with the name written before the
    address, else (no address) the name next to the verb.  A line that Gmail
    wrapped (``... <who>`` / ``wrote:``) is read with the line above it.
    """
    previous = None
    for index in range(min(len(lines), limit)):
        depth, content = lines[index]
        content = content.strip()
        if not content:
            previous = None
            continue
        if len(content) <= _MAX_ATTRIBUTION and content[-1] in ":：":
            block = _attribution_block(index, depth, content, previous)
            if block:
                return block
        previous = (index, depth, content)
    return None


def _attribution_block(index, depth, content, previous):
    """The Block of an attribution line ending at line ``index``, or None."""
    verb = _WROTE_RE.search(content)
    if not verb:
        return None
    text, start = content, index
    if (
        previous
        and previous[1] == depth
        and dates.parse_loose(content[: verb.start()]) is None
        and dates.parse_loose(previous[2]) is not None
    ):
        text, start = f"{previous[2]} {content}", previous[0]
        verb = _WROTE_RE.search(text, len(previous[2]) + 1)
    fields = _attribution_fields(text, verb)
    if not fields:
        return None
    labels = (_key(verb.group()),)
    return Block(fields, start, index + 1, depth, "attribution", text, labels)


def _attribution_fields(text, verb):
    """{'from': who, 'date': date text} of an attribution line, or None."""
    address = _BRACKETED_RE.search(text)
    if address:
        head = text[: address.start()]
        quoted = _QUOTED_NAME_RE.search(head)
        if quoted:
            name = next(group for group in quoted.groups() if group).strip()
            name_start = quoted.start()
        else:
            name, name_start = _name_before(head)
        addr = f"{address.group(1)}@{address.group(2)}"
        who = f'"{name}" <{addr}>' if name and '"' not in name else addr
        spans = [(name_start, address.end()), verb.span()]
    else:
        after = _FILLER_RE.sub("", text[verb.end() :]).strip(" :：")
        if after and not any(char.isdigit() for char in after):
            who, name_start = after, verb.end()
            spans = [(verb.start(), len(text))]
        else:
            who, name_start = _name_before(text[: verb.start()])
            spans = [(name_start, len(text))]
        if not who or len(who.split()) > 5:
            return None
    date = _without(text, spans).strip(" ,:：")
    if dates.parse_loose(date) is None:
        return None
    return {"from": who, "date": date}


def _without(text, spans):
    """``text`` with the character ranges ``spans`` replaced by a space."""
    out, position = [], 0
    for begin, end in sorted(spans):
        if begin > position:
            out.append(text[position:begin])
        position = max(position, end)
    out.append(text[position:])
    return " ".join(part.strip() for part in out if part.strip())


def _name_before(text):
    """(name, start): the capitalised words that end ``text`` (at most five)."""
    words = list(re.finditer(r"\S+", text))
    names, start = [], len(text)
    for word in reversed(words):
        token = word.group()
        if names and token.endswith((",", ";")):
            break
        token = token.rstrip(",;")
        if (
            len(names) == 5
            or not token
            or not token[0].isupper()
            or any(char.isdigit() for char in token)
            or token.lower() in _NAME_STOP
        ):
            break
        names.append(token)
        start = word.start()
    return " ".join(reversed(names)), start


def body_lines(lines, block):
    """The lines of the forwarded body below ``block``, quote level removed."""
    out = [block.body_head] if block.body_head else []
    for depth, content in lines[block.body_start :]:
        if content.strip() and depth < block.depth:
            break
        extra = depth - block.depth
        out.append(("> " * extra if extra > 0 else "") + content)
    while out and not out[0].strip():
        out.pop(0)
    return out


def _deepest_from(lines, block):
    """The sender of the deepest nested block below ``block`` (None if none)."""
    deepest, start = None, block.body_start
    for _guard in range(200):
        nested = find_block(lines, start)
        if nested is None:
            break
        found = addresses.find_all(nested.fields.get("from", ""))
        deepest = found[0] if found else deepest
        start = max(nested.body_start, nested.start + 1)
    return deepest


def _languages(keys):
    """Languages of the labels (or verb) of a block, most used first."""
    counts = {}
    for key in keys:
        for code in WORD_LANGUAGES.get(key, ()):
            counts[code] = counts.get(code, 0) + 1
    return tuple(sorted(counts, key=lambda code: -counts[code]))


def _info(block, lines, source, subject, body_html=None):
    """Build the ForwardInfo of a block found in ``lines``."""
    fields = block.fields
    sender = fields.get("from", "")
    found = addresses.find_all(sender)
    text = "\n".join(body_lines(lines, block))
    if block.kind == "attribution":
        text = textwrap.dedent(text)
    return ForwardInfo(
        from_addr=found[0] if found else None,
        from_name=addresses.display_name(sender),
        to=tuple(addresses.find_all(fields.get("to", ""))),
        cc=tuple(addresses.find_all(fields.get("cc", ""))),
        subject=fields.get("subject", subject or "").strip(),
        date=dates.parse_loose(fields.get("date", ""), _languages(block.labels)),
        date_raw=block.date_raw or fields.get("date", ""),
        body_html=body_html if body_html is not None else htmltext.text_to_html(text),
        body_text=text.strip(),
        source=source,
        deepest_from=_deepest_from(lines, block),
        from_raw=sender,
    )


@dataclass
class Found:
    """What the scanner found in a body: the block's kind and its info, and
    where the block sits (``quoted_history``: inside a reply's quoted
    history; ``at_top``: nothing written above it)."""

    info: ForwardInfo | None
    kind: str | None
    forward_marker: bool = False
    quoted_history: bool = False
    at_top: bool = False


def is_reply_attribution(lines, index):
    """True when line ``index`` introduces a reply's quoted text.

    It ends with a colon and holds a localised "wrote" with a date or an
    address (on the line, or on the line above when Gmail wrapped it), or
    with deeper-quoted text right below (``Kim wrote:`` then ``> ...``); or,
    without a verb (languages whose clients write none), an address and a
    date (``2021年10月27日(水) 15:14 Kim <kim@x.jp>:``).  "See what Kim
    wrote:" above a forward is none of these.
    """
    depth, content = lines[index]
    content = content.strip()
    if not content or len(content) > _MAX_ATTRIBUTION or content[-1] not in ":：":
        return False
    if _MARKER_RE.match(content) or field_of(content):
        return False
    if _WROTE_RE.search(content):
        above = _nonblank(lines, index, -1)
        texts = [content] + ([lines[above][1].strip()] if above is not None else [])
        if any(_dated_or_addressed(text) for text in texts):
            return True
        below = _nonblank(lines, index, 1)
        return below is not None and lines[below][0] > depth
    address = addresses.ADDRESS_RE.search(content)
    return bool(address) and dates.parse_loose(content[: address.start()]) is not None


def _nonblank(lines, index, step):
    """The nearest non-blank line above (step -1) or below (1) ``index``."""
    index += step
    while 0 <= index < len(lines):
        if lines[index][1].strip():
            return index
        index += step
    return None


def _dated_or_addressed(text):
    """True when ``text`` holds an address or a date."""
    if addresses.ADDRESS_RE.search(text):
        return True
    return dates.parse_loose(_WROTE_RE.sub(" ", text).strip(" :：")) is not None


def quoted_history(lines, index, depth):
    """True when a block at line ``index`` and quote ``depth`` sits in the
    quoted history of a reply: below a reply attribution line, or quoted
    (``>``) below other quoted text.  A forwarded block sits right below the
    new text, at its own depth."""
    intro = _intro_line(lines, index)
    for number in range(index):
        line_depth, content = lines[number]
        if not content.strip():
            continue
        if line_depth <= depth and is_reply_attribution(lines, number):
            return True
        if depth and line_depth and number != intro:
            return True
    return False


def _intro_line(lines, index):
    """The line right above line ``index`` (blank lines skipped) when it
    introduces the block ("Vidarebefordrat mejl:", a marker in a language
    the table lacks), else None."""
    for number in range(index - 1, max(index - 4, 0) - 1, -1):
        content = lines[number][1].strip()
        if content:
            return number if content[-1] in ":：" and len(content) <= 80 else None
    return None


def _at_top(lines, index):
    """True when nothing is written above line ``index``."""
    return not any(content.strip() for _depth, content in lines[:index])


def _found(info, block, lines):
    """The Found of a block read from ``lines``."""
    return Found(
        info,
        block.kind,
        quoted_history=quoted_history(lines, block.start, block.depth),
        at_top=_at_top(lines, block.start),
    )


class _Sources:
    """The text and HTML bodies of a mail, parsed lazily."""

    def __init__(self, text, markup, view=None):
        self.text_lines = split_lines(text) if text else []
        self.markup = markup
        self._view = view
        self._html = None

    @property
    def html(self):
        """(root, rendered, lines) of the HTML body (rendered on first use)."""
        if self._html is None:
            root, rendered = self._view or htmltext.view(self.markup)
            self._html = (root, rendered, split_lines(rendered.lines))
        return self._html

    def html_body(self, block):
        """The HTML below a block found in the rendered HTML."""
        root, rendered, lines = self.html
        for index in range(block.body_start, len(lines)):
            if lines[index][1].strip() and rendered.anchors[index]:
                return htmltext.html_after(root, rendered.anchors[index])
        return ""

    def each(self):
        """(lines, source name) of the text body, then of the HTML body."""
        yield self.text_lines, "text"
        if self.markup:
            yield self.html[2], "html"


def find_forward(text, markup=None, subject="", attribution=False, view=None):
    """Find the outermost forwarded block in a mail's text and HTML bodies.

    ``subject`` is the outer subject (used for attribution-style forwards,
    which carry no subject of their own); ``attribution`` allows those
    anywhere (the subject says "forward"), else only an attribution line
    written first, above unquoted text (Outlook for Mac forwards without a
    prefix); ``view`` is the ``htmltext.view`` of ``markup`` when already
    rendered.  The returned ``Found`` tells where the block sits.
    """
    sources = _Sources(text, markup, view)
    found = _from_text(sources, subject) or _from_html(sources, subject)
    if found is not None and attribution and found.quoted_history:
        # "Fwd:" over an attribution header (Outlook for Mac) whose body
        # holds another block: the attribution is the forwarded message's.
        found = _from_attribution(sources, subject, before=found) or found
    if found is None:
        found = _from_attribution(sources, subject, top_only=not attribution)
    if found is not None:
        return found
    for lines, _source in sources.each():
        index = _forward_marker_line(lines)
        if index is not None:
            history = quoted_history(lines, index, lines[index][0])
            return Found(None, None, True, quoted_history=history)
    return Found(None, None, False)


def _forward_marker_line(lines):
    """Index of the first explicit forward marker line (even without
    fields), or None."""
    for index, (_depth, content) in enumerate(lines):
        match = _MARKER_RE.match(content.strip()) if content else None
        if match and _marker_rest_ok(match.group("rest")):
            if _marker_kind(match) == "forward":
                return index
    return None


def has_forward_marker(lines):
    """True when a line is an explicit forward marker (even without fields)."""
    return _forward_marker_line(lines) is not None


def _from_text(sources, subject):
    """A block in the text body (its HTML body cut from the HTML part)."""
    block = find_block(sources.text_lines, subject=subject)
    if block is None:
        return None
    body_html = None
    if sources.markup:
        html_block = find_block(sources.html[2], subject=subject)
        if (
            html_block
            and html_block.fields.get("from")
            and _same_sender(html_block, block)
        ):
            body_html = sources.html_body(html_block)
    info = _info(block, sources.text_lines, "text", subject, body_html or None)
    return _found(info, block, sources.text_lines)


def _same_sender(first, second):
    """True when two blocks name the same sender address."""
    one = addresses.find_all(first.fields.get("from", ""))[:1]
    two = addresses.find_all(second.fields.get("from", ""))[:1]
    return one == two


def _from_html(sources, subject):
    """A block in the rendered HTML body."""
    if not sources.markup:
        return None
    lines = sources.html[2]
    block = find_block(lines, subject=subject)
    if block is None:
        return None
    info = _info(block, lines, "html", subject, sources.html_body(block))
    return _found(info, block, lines)


def _from_attribution(sources, subject, top_only=False, before=None):
    """An attribution line (Outlook for Mac forwards) in text, then HTML.

    ``top_only``: only a line written first whose text below is not quoted
    deeper (a reply quotes below its attribution, or writes above it);
    ``before``: only above that Found's block, in the same body.
    """
    subject = strip_forward_prefix(subject)
    for lines, source in sources.each():
        if before is not None:
            if before.info.source != source:
                continue
            limit = _block_start(lines, before)
        elif top_only:
            first = _nonblank(lines, -1, 1)
            limit = 0 if first is None else first + 2
        else:
            limit = 300
        block = find_attribution(lines, limit)
        if block is None or (top_only and not _opens_body(lines, block)):
            continue
        html = sources.html_body(block) if source == "html" else None
        found = _found(_info(block, lines, source, subject, html), block, lines)
        if before is None or not found.quoted_history:
            return found
    return None


def _block_start(lines, found):
    """The line where ``found``'s block starts in ``lines`` (re-read)."""
    block = find_block(lines)
    return block.start if block is not None else len(lines)


def _opens_body(lines, block):
    """True when an attribution block is written first and the text below it
    is not quoted deeper than the line itself."""
    if not _at_top(lines, block.start) or not addresses.find_all(
        block.fields.get("from", "")
    ):
        return False
    for depth, content in lines[block.body_start :]:
        if content.strip():
            return depth <= block.depth
    return False
