"""End-to-end: real Postfix, Dovecot, Odoo 18.0 and PostgreSQL (issue 7).

Inbound (natero_mail_log): email is submitted over SMTP to the private Postfix,
which pipes mail for ``log@`` / ``log+<token>@`` of Odoo's alias domain into
Odoo's own ``odoo-mailgate.py`` (XML-RPC ``message_process``), or delivers it
to a Dovecot mailbox that an Odoo incoming mail server fetches over IMAP.  The
checks read Odoo back over XML-RPC: the ``natero.mail.log`` state and the
``mail.message`` on the expected contacts, accounts and deals.

Outbound (natero_mail_trigger): a trigger's emails leave through an Odoo
outgoing mail server pointing at the same Postfix, land in Dovecot mailboxes
read back over IMAP, and a recipient unknown to Postfix bounces: Postfix's DSN
goes to Odoo's bounce address, through the mail gateway, and marks the send
bounced.

Run with ``setup/e2e`` (it starts the servers); alone, every test is skipped.
"""

import base64
import collections
import email.message
import email.policy
import email.utils
import json
import re
import statistics
import subprocess
import threading
import time
import urllib.request

import pytest
import settings as e2e
from e2e_lib import (
    POLL,
    imap_count_unseen,
    imap_fetch_all,
    make_mail,
    percentile,
    wait_until,
)

LOG_TIMEOUT = 60  # s for one email to reach the chatter (Natero promises 10-15 min)

FORWARD_BODY = """FYI, see below.

---------- Forwarded message ---------
From: {name} <{email}>
Date: Tue, Nov 17, 2026 at 11:40 AM
Subject: {subject}
To: Alice Seller <alice@{sales}>


{text}
"""


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def wait_for_log(odoo, msg_id, timeout=LOG_TIMEOUT):
    """The natero.mail.log of ``msg_id`` once it has left ``pending``."""

    def done():
        rows = odoo.search_read(
            "natero.mail.log",
            [("message_id", "=", msg_id), ("state", "!=", "pending")],
            [
                "state",
                "kind",
                "reason",
                "user_id",
                "attribution_rule",
                "envelope_to",
                "sender_email",
                "original_from",
                "partner_ids",
                "lead_ids",
            ],
        )
        return rows[0] if rows else None

    return wait_until(done, timeout, f"the log of <{msg_id}>")


def chatter_of(odoo, log_id):
    """{(model, res_id)} of the chatter messages a log produced."""
    rows = odoo.search_read(
        "mail.message",
        [("natero_log_id", "=", log_id)],
        ["model", "res_id", "message_type", "subtype_id", "is_internal", "body"],
    )
    for row in rows:
        assert row["is_internal"], row
        assert row["subtype_id"][0] == odoo.ref("mail.mt_note"), row
    return {(row["model"], row["res_id"]) for row in rows}, rows


def raw_of(odoo, log_id):
    rows = odoo.call(
        "natero.mail.log", "read", [log_id], ["raw"], context={"bin_size": False}
    )
    return base64.b64decode(rows[0]["raw"]).decode("utf-8", "replace")


def targets(account):
    return {
        ("res.partner", account.contact),
        ("res.partner", account.account),
        ("crm.lead", account.lead),
    }


def maillog(cfg):
    return (cfg.state / "postfix" / "maillog").read_text(errors="replace")


# ---------------------------------------------------------------------------
# inbound: the Postfix pipe into Odoo's mail gateway
# ---------------------------------------------------------------------------


def test_bcc_to_the_organisation_address(odoo, world, smtp):
    """BCC: the log address is only an envelope recipient, not in any header."""
    acme = world.accounts["acme"]
    raw, msg_id = make_mail(
        f"Alice Seller <{world.alice_email}>",
        f"Ann Acme <{acme.email}>",
        "Offer for Acme",
        "Hello Ann,\n\nhere is our offer for the renewal.\n\nAlice",
    )
    assert world.log_address.encode() not in raw
    smtp.send(world.alice_email, [world.log_address], raw)
    log = wait_for_log(odoo, msg_id)
    assert log["state"] == "logged", log
    assert log["kind"] == "bcc"
    assert log["user_id"][0] == world.alice
    assert log["envelope_to"] == world.log_address
    found, rows = chatter_of(odoo, log["id"])
    assert found == targets(acme)
    assert all("here is our offer" in row["body"] for row in rows)
    assert all("Logged by Alice Seller via BCC" in row["body"] for row in rows)
    raw_stored = raw_of(odoo, log["id"])
    # written by Postfix's pipe (flags D, O, R): it came through the MTA
    assert f"Delivered-To: {world.log_address}" in raw_stored
    assert f"X-Original-To: {world.log_address}" in raw_stored
    assert f"Return-Path: <{world.alice_email}>" in raw_stored


def test_personal_address_with_token(odoo, world, smtp):
    """log+<token>@: recipient_delimiter keeps the token up to the gateway."""
    globex = world.accounts["globex"]
    raw, msg_id = make_mail(
        f"Bob Seller <{world.bob_email}>",
        f"Gus Globex <{globex.email}>",
        "Globex pricing",
        "Hi Gus, the pricing you asked for.",
    )
    smtp.send(world.bob_email, [world.bob_address], raw)
    log = wait_for_log(odoo, msg_id)
    assert log["state"] == "logged", log
    assert log["user_id"][0] == world.bob
    assert log["attribution_rule"] == "personal_address"
    # the token is masked wherever the log shows the address (issue 10)
    local, domain = world.bob_address.split("@")
    assert log["envelope_to"] == f"{local.split('+')[0]}+…@{domain}"
    found, _rows = chatter_of(odoo, log["id"])
    assert found == targets(globex)


def test_forward_is_logged_on_the_original_participants(odoo, world, smtp):
    initech = world.accounts["initech"]
    subject = "Contract questions"
    raw, msg_id = make_mail(
        f"Alice Seller <{world.alice_email}>",
        world.log_address,
        f"Fwd: {subject}",
        FORWARD_BODY.format(
            name="Ivy Initech",
            email=initech.email,
            subject=subject,
            sales=e2e.SALES_DOMAIN,
            text="Hello Alice, two questions about clause 4.",
        ),
    )
    smtp.send(world.alice_email, [world.log_address], raw)
    log = wait_for_log(odoo, msg_id)
    assert log["state"] == "logged", log
    assert log["kind"] == "forward"
    assert log["original_from"] == initech.email
    assert log["user_id"][0] == world.alice
    found, rows = chatter_of(odoo, log["id"])
    assert found == targets(initech)
    assert all("clause 4" in row["body"] for row in rows)


def test_unknown_sender_is_rejected_without_backscatter(cfg, odoo, world, smtp):
    acme = world.accounts["acme"]
    raw, msg_id = make_mail(
        "Mallory <mallory@evil.example>",
        acme.email,
        "Spoofed",
        "Not from a user.",
        msgid_domain="evil.example",
    )
    smtp.send("mallory@evil.example", [world.log_address], raw)
    log = wait_for_log(odoo, msg_id)
    assert log["state"] == "rejected", log
    assert chatter_of(odoo, log["id"])[0] == set()
    time.sleep(1)  # give Postfix the time to log a reply, if one were sent
    assert "to=<mallory@evil.example>" not in maillog(cfg)


def test_rotated_personal_address_is_refused(odoo, world, smtp):
    user = odoo.create(
        "res.users",
        {
            "name": "Rita Rotate",
            "login": f"rita@{e2e.SALES_DOMAIN}",
            "email": f"rita@{e2e.SALES_DOMAIN}",
        },
        context={"no_reset_password": True},
    )
    old = odoo.search_read("res.users", [("id", "=", user)], ["natero_log_address"])[0][
        "natero_log_address"
    ]
    odoo.call("res.users", "action_natero_log_rotate_token", [user])
    raw, msg_id = make_mail(
        f"Rita Rotate <rita@{e2e.SALES_DOMAIN}>",
        world.accounts["acme"].email,
        "To the old address",
        "Hello.",
    )
    smtp.send(f"rita@{e2e.SALES_DOMAIN}", [old], raw)
    log = wait_for_log(odoo, msg_id)
    assert log["state"] == "rejected", log
    assert "unknown or rotated personal address" in log["reason"]


# ---------------------------------------------------------------------------
# inbound: Dovecot mailbox fetched by an Odoo incoming mail server (IMAP)
# ---------------------------------------------------------------------------


def test_imap_incoming_mail_server(cfg, odoo, world, smtp):
    imapco = world.accounts["imap"]
    address = f"log@{e2e.INBOX_DOMAIN}"  # recognised by its local part (L1)
    raw, msg_id = make_mail(
        f"Alice Seller <{world.alice_email}>",
        f"Ian Imapco <{imapco.email}>",
        "Meeting notes",
        "Hi Ian, the notes of today's meeting.",
    )
    accepted = smtp.send(world.alice_email, [address], raw)
    wait_until(
        lambda: imap_count_unseen(cfg.imap_port, "odoo-inbox", cfg.imap_password),
        30,
        "delivery to the Dovecot mailbox",
        interval=0.2,
    )
    in_mailbox = time.monotonic()
    # Odoo's Fetchmail Service, run now as the scheduler runs it (19.0's
    # fetchmail.server.fetch_mail returns nothing, which XML-RPC cannot send)
    cron = odoo.ref("mail.ir_cron_mail_gateway_action")
    assert odoo.call("ir.cron", "method_direct_trigger", [cron])
    log = wait_for_log(odoo, msg_id)
    logged = time.monotonic()
    assert log["state"] == "logged", log
    assert log["envelope_to"] == address
    found, _rows = chatter_of(odoo, log["id"])
    assert found == targets(imapco)
    assert imap_count_unseen(cfg.imap_port, "odoo-inbox", cfg.imap_password) == 0
    print(
        f"\nIMAP path: SMTP -> Dovecot mailbox {in_mailbox - accepted:.2f} s, "
        f"fetch_mail -> chatter {logged - in_mailbox:.2f} s"
    )


# ---------------------------------------------------------------------------
# latency: SMTP acceptance -> chatter, over many emails
# ---------------------------------------------------------------------------


def _latency_mail(world, n, run):
    """Email ``n``: BCC to the org address, personal address, or forward."""
    account = world.latency[n % len(world.latency)]
    subject = f"Latency {run} #{n}"
    text = f"Latency probe {n} of run {run}."
    kind = ("bcc", "personal", "forward")[n % 3]
    if kind == "forward":
        raw, msg_id = make_mail(
            f"Alice Seller <{world.alice_email}>",
            world.log_address,
            f"Fwd: {subject}",
            FORWARD_BODY.format(
                name=f"Contact {n}",
                email=account.email,
                subject=subject,
                sales=e2e.SALES_DOMAIN,
                text=text,
            ),
        )
        envelope = (world.alice_email, [world.log_address])
    elif kind == "personal":
        raw, msg_id = make_mail(
            f"Bob Seller <{world.bob_email}>", account.email, subject, text
        )
        envelope = (world.bob_email, [world.bob_address])
    else:
        raw, msg_id = make_mail(
            f"Alice Seller <{world.alice_email}>", account.email, subject, text
        )
        envelope = (world.alice_email, [world.log_address])
    return subject, msg_id, account, envelope, raw


@pytest.mark.parametrize("rate", e2e.from_env().rates)
def test_latency_smtp_acceptance_to_chatter(cfg, odoo, world, smtp, rate):
    """A burst at ``rate`` emails a second (NATERO_E2E_RATES, default 40 and
    100): the time from SMTP acceptance to the chatter, printed (issue 14)."""
    run = f"{int(time.time())}r{rate:g}"
    count, interval = cfg.emails, 1.0 / rate
    pending = {}  # subject -> (accepted instant, contact id)
    latencies, wrong = {}, []
    lock = threading.Lock()
    sending_done = threading.Event()
    deadline = time.monotonic() + count * interval + 180

    def poll():
        client = odoo.clone()
        while time.monotonic() < deadline:
            with lock:
                subjects = list(pending)
            if not subjects and sending_done.is_set():
                return
            if subjects:
                rows = client.search_read(
                    "mail.message",
                    [
                        ("subject", "in", subjects),
                        ("model", "=", "res.partner"),
                        ("natero_log_id", "!=", False),
                    ],
                    ["subject", "res_id"],
                )
                seen = time.monotonic()
                with lock:
                    for row in rows:
                        entry = pending.get(row["subject"])
                        if entry and row["res_id"] == entry[1]:
                            latencies[row["subject"]] = seen - entry[0]
                            del pending[row["subject"]]
            time.sleep(POLL)

    poller = threading.Thread(target=poll, name="chatter-poller")
    poller.start()
    msg_ids = {}
    try:
        start = time.monotonic()
        for n in range(count):
            subject, msg_id, account, envelope, raw = _latency_mail(world, n, run)
            delay = start + n * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            accepted = smtp.send(*envelope, raw)
            msg_ids[msg_id] = account
            with lock:
                pending[subject] = (accepted, account.contact)
        send_seconds = time.monotonic() - start
    finally:
        sending_done.set()
        poller.join(timeout=count * interval + 240)
    assert not pending, f"{len(pending)} emails never reached the chatter"

    # every email logged, on its contact, its account and its deal
    logs = odoo.search_read(
        "natero.mail.log",
        [("message_id", "in", list(msg_ids))],
        ["message_id", "state", "partner_ids", "lead_ids", "kind"],
    )
    assert len(logs) == count
    for log in logs:
        account = msg_ids[log["message_id"]]
        if log["state"] != "logged" or set(log["partner_ids"]) != {
            account.contact,
            account.account,
        }:
            wrong.append(log)
        elif log["lead_ids"] != [account.lead]:
            wrong.append(log)
    assert not wrong, wrong[:3]
    kinds = collections.Counter(log["kind"] for log in logs)
    values = sorted(latencies.values())
    figures = {
        "emails": count,
        "rate_per_s": rate,
        "send_seconds": round(send_seconds, 1),
        "median_s": round(statistics.median(values), 3),
        "p95_s": round(percentile(values, 0.95), 3),
        "min_s": round(values[0], 3),
        "max_s": round(values[-1], 3),
        "poll_interval_s": POLL,
        "kinds": dict(kinds),
    }
    path = cfg.state / "latency.json"
    runs = json.loads(path.read_text()) if path.exists() else []
    runs.append(figures)
    path.write_text(json.dumps(runs, indent=2) + "\n")
    print(
        f"\nLATENCY SMTP acceptance -> chatter over {count} emails "
        f"(1/3 BCC, 1/3 personal address, 1/3 forward; {rate:g}/s): "
        f"median {figures['median_s']:.2f} s, p95 {figures['p95_s']:.2f} s, "
        f"min {figures['min_s']:.2f} s, max {figures['max_s']:.2f} s "
        f"(logged as {dict(kinds)})"
    )


# ---------------------------------------------------------------------------
# outbound: triggered emails through Postfix, read back over IMAP; a bounce
# ---------------------------------------------------------------------------

TRIGGER_BODY = """<div>
    <p>Hello <t t-out="object.name or ''"/>,</p>
    <p>Your account <t t-out="object.commercial_partner_id.name or ''"/> has
    new features waiting.</p>
    <p><a t-att-href="unsubscribe_url">Unsubscribe</a></p>
</div>"""


def test_triggered_emails_headers_bounce_and_unsubscribe(cfg, odoo, world):
    domain = e2e.CUSTOMERS_DOMAIN
    account = odoo.create("res.partner", {"name": "Customer Co", "is_company": True})
    people = {}
    for local, name in (("ann", "Ann Customer"), ("ben", "Ben Customer")):
        people[local] = odoo.create(
            "res.partner",
            {
                "name": name,
                "email": f"{local}@{domain}",
                "parent_id": account,
                "natero_crm_contact": True,
            },
        )
    # unknown to Postfix: accepted, then bounced by a DSN to bounce@
    people["ghost"] = odoo.create(
        "res.partner",
        {
            "name": "Ghost Customer",
            "email": f"ghost@{domain}",
            "parent_id": account,
            "natero_crm_contact": True,
        },
    )
    trigger = odoo.create(
        "natero.trigger",
        {
            "name": "e2e onboarding",
            "email_from": f"Customer Success <cs@{e2e.SALES_DOMAIN}>",
            "email_bcc": f"archive@{domain}",
            "no_reply": True,
            "subject": "Welcome aboard, {{ object.name }}",
            "body_html": TRIGGER_BODY,
            "include_crm_contacts": True,
            "user_domain": repr([("email", "=ilike", f"%@{domain}")]),
            "generate_time": 0.0,
            "send_time": 0.0,
            "user_id": odoo.uid,
        },
    )
    odoo.call("natero.trigger", "action_activate", [trigger])
    odoo.call("natero.trigger", "action_generate_now", [trigger])
    sends = odoo.search_read(
        "natero.trigger.send",
        [("trigger_id", "=", trigger)],
        ["partner_id", "state", "email"],
    )
    assert {s["partner_id"][0] for s in sends} == set(people.values())
    assert {s["state"] for s in sends} == {"generated"}
    # the send time (00:00) has passed: the trigger cron queues the list now,
    # and the mail queue cron, woken by it, sends through the ir.mail_server
    cron = odoo.ref("natero_mail_trigger.ir_cron_natero_trigger_process")
    assert odoo.call("ir.cron", "method_direct_trigger", [cron])
    fields = ["partner_id", "state", "message_id", "email", "failure_reason"]

    def states():
        rows = odoo.search_read(
            "natero.trigger.send", [("trigger_id", "=", trigger)], fields
        )
        return {row["email"]: row for row in rows}

    wait_until(
        lambda: {r["state"] for r in states().values()} <= {"sent", "bounced"},
        60,
        "the trigger emails to leave Odoo",
    )
    rows = states()
    sent_ids = {row["message_id"] for row in rows.values()}

    def mailbox(user, count):
        """The messages of this trigger in ``user``'s mailbox, once ``count``."""

        def check():
            found = imap_fetch_all(cfg.imap_port, user, cfg.imap_password)
            mine = [m for m in found if m["Message-ID"] in sent_ids]
            return mine if len(mine) >= count else None

        return wait_until(check, 60, f"{count} trigger emails for {user}", 0.3)

    # -- received by the customers' mailbox (Dovecot IMAP)
    mails = mailbox("customers", 2)
    assert len(mails) == 2
    by_to = {str(m["Delivered-To"]): m for m in mails}
    assert set(by_to) == {f"ann@{domain}", f"ben@{domain}"}
    for local in ("ann", "ben"):
        mail, row = by_to[f"{local}@{domain}"], rows[f"{local}@{domain}"]
        name = f"{local.capitalize()} Customer"
        assert mail["From"] == f"Customer Success <cs@{e2e.SALES_DOMAIN}>"
        assert f"noreply@{e2e.ALIAS_DOMAIN}" in mail["Reply-To"]
        assert mail["Subject"] == f"Welcome aboard, {name}"
        assert f"{local}@{domain}" in mail["To"]
        assert mail["Bcc"] is None, "the BCC address must not show"
        assert mail["Return-Path"] == f"<bounce@{e2e.ALIAS_DOMAIN}>"
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = re.fullmatch(r"<(.+)>", mail["List-Unsubscribe"]).group(1)
        assert unsubscribe.startswith(
            f"{cfg.odoo_url}/natero/unsubscribe/{row['id']}/"
        ), unsubscribe
        html = mail.get_body(("html",)).get_content()
        assert f"Hello {name}," in html
        assert "Customer Co" in html
        assert f'href="{unsubscribe}"' in html
        assert row["state"] == "sent", row

    # -- the BCC copies (one per email, ghost's included) in the archive mailbox
    archive = mailbox("archive", 3)
    assert {m["Message-ID"] for m in archive} == sent_ids
    assert all(m["Delivered-To"] == f"archive@{domain}" for m in archive)

    # -- the bounce: Postfix's DSN -> bounce@ -> mailgate -> the send row
    ghost = wait_until(
        lambda: (row := states()[f"ghost@{domain}"])["state"] == "bounced" and row,
        60,
        "the bounce to mark the send bounced",
    )
    assert ghost["failure_reason"], ghost
    log = maillog(cfg)
    assert re.search(r"to=<ghost@[^>]+>.*dsn=5\.1\.1, status=bounced", log)
    # through the pipe ("odoo") or the LMTP delivery process
    relay = rf"(odoo|127\.0\.0\.1\[127\.0\.0\.1\]:{cfg.lmtp_port})"
    assert re.search(rf"to=<bounce@{re.escape(e2e.ALIAS_DOMAIN)}>, relay={relay}", log)

    # -- one-click unsubscribe (RFC 8058) from the List-Unsubscribe header
    ann_url = re.fullmatch(r"<(.+)>", by_to[f"ann@{domain}"]["List-Unsubscribe"])
    request = urllib.request.Request(
        ann_url.group(1), data=b"List-Unsubscribe=One-Click", method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    assert odoo.search_read(
        "mail.blacklist", [("email", "=", f"ann@{domain}")], ["active"]
    ), "the one-click unsubscribe must blacklist the address"
    ann = odoo.search_read(
        "natero.trigger.send",
        [("id", "=", rows[f"ann@{domain}"]["id"])],
        ["unsubscribed_at"],
    )[0]
    assert ann["unsubscribed_at"], ann


def test_reply_to_triggered_email_logged_and_forwarded(cfg, odoo, world, smtp):
    """T9 (issue 15): the customer answers a triggered email over SMTP; its
    signed Reply-To brings the reply through Postfix's pipe into Odoo, which
    logs it on the contact and account, records it on the send and forwards
    it to the trigger's owner (a Dovecot mailbox) with the customer as
    Reply-To. An out-of-office to the same address is not a reply."""
    domain = e2e.CUSTOMERS_DOMAIN
    owner_email = f"olga@{e2e.TEAM_DOMAIN}"
    # the field is groups_id on 18.0, group_ids on 19.0
    groups_field = (
        "group_ids"
        if odoo.call("res.users", "fields_get", ["group_ids"], attributes=["type"])
        else "groups_id"
    )
    owner = odoo.create(
        "res.users",
        {
            "name": "Olga Owner",
            "login": owner_email,
            "email": owner_email,
            groups_field: [(6, 0, [odoo.ref("base.group_user")])],
        },
        context={"no_reset_password": True},
    )
    account = odoo.create("res.partner", {"name": "Reply Co", "is_company": True})
    cleo = odoo.create(
        "res.partner",
        {
            "name": "Cleo Customer",
            "email": f"cleo@{domain}",
            "parent_id": account,
            "natero_crm_contact": True,
        },
    )
    trigger = odoo.create(
        "natero.trigger",
        {
            "name": "e2e check-in",
            "email_from": f"Customer Success <cs@{e2e.SALES_DOMAIN}>",
            "subject": "How is it going, {{ object.name }}?",
            "body_html": TRIGGER_BODY,
            "include_crm_contacts": True,
            "user_domain": repr([("email", "=", f"cleo@{domain}")]),
            "generate_time": 0.0,
            "send_time": 0.0,
            "user_id": owner,
        },
    )
    odoo.call("natero.trigger", "action_activate", [trigger])
    odoo.call("natero.trigger", "action_generate_now", [trigger])
    cron = odoo.ref("natero_mail_trigger.ir_cron_natero_trigger_process")
    assert odoo.call("ir.cron", "method_direct_trigger", [cron])

    def send_row():
        rows = odoo.search_read(
            "natero.trigger.send",
            [("trigger_id", "=", trigger)],
            ["state", "message_id", "replied_at"],
        )
        return rows[0] if rows else None

    send = wait_until(
        lambda: (row := send_row()) and row["state"] == "sent" and row,
        60,
        "the triggered email to leave Odoo",
    )

    def received(user, check):
        def found():
            mails = imap_fetch_all(cfg.imap_port, user, cfg.imap_password)
            return [m for m in mails if check(m)] or None

        return wait_until(found, 60, f"the email in {user}'s mailbox", 0.3)

    [sent] = received("customers", lambda m: m["Message-ID"] == send["message_id"])
    reply_to = sent["Reply-To"]
    match = re.fullmatch(
        rf'"?Customer Success"? <(reply\+{send["id"]}-[a-z2-7]{{26}}'
        rf"@{re.escape(e2e.ALIAS_DOMAIN)})>",
        str(reply_to),
    )
    assert match, reply_to
    reply_address = match.group(1)

    # -- the customer replies (with an attachment) over SMTP
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"] = f"Cleo Customer <cleo@{domain}>"
    msg["To"] = str(reply_to)
    msg["Subject"] = f"Re: {sent['Subject']}"
    msg["Date"] = email.utils.format_datetime(email.utils.localtime())
    msg["Message-ID"] = email.utils.make_msgid(domain=domain)
    msg["In-Reply-To"] = send["message_id"]
    msg.set_content("Going well! Can we talk about the rollout on Tuesday?")
    msg.add_attachment(
        b"%PDF-1.4 rollout", maintype="application", subtype="pdf", filename="plan.pdf"
    )
    msg_id = msg["Message-ID"].strip("<>")
    smtp.send(f"cleo@{domain}", [reply_address], msg.as_bytes())
    log = wait_for_log(odoo, msg_id)
    assert log["state"] == "logged" and log["kind"] == "reply", log
    assert "+" in log["envelope_to"] and reply_address not in log["envelope_to"]
    assert sorted(log["partner_ids"]) == sorted([cleo, account]), log
    notes = odoo.search_read(
        "mail.message",
        [("natero_log_id", "=", log["id"])],
        ["model", "res_id", "author_id", "body", "attachment_ids", "is_internal"],
    )
    assert {(n["model"], n["res_id"]) for n in notes} == {
        ("res.partner", cleo),
        ("res.partner", account),
    }, notes
    for note in notes:
        assert note["author_id"][0] == cleo and note["is_internal"], note
        assert "Reply to trigger e2e check-in" in note["body"], note
        assert "rollout on Tuesday" in note["body"], note
        assert len(note["attachment_ids"]) == 1, note
    assert send_row()["replied_at"], "the send records the reply"

    # -- forwarded to the owner's mailbox, the customer as Reply-To
    [forward] = received("team", lambda m: m["Subject"] == msg["Subject"])
    assert forward["Delivered-To"] == owner_email
    assert owner_email in forward["To"]
    assert forward["Reply-To"].addresses[0].addr_spec == f"cleo@{domain}"
    assert forward["From"].addresses[0].domain == e2e.ALIAS_DOMAIN
    assert forward["Auto-Submitted"] == "auto-generated"
    assert forward["Return-Path"] == f"<bounce@{e2e.ALIAS_DOMAIN}>"
    html = forward.get_body(("html",)).get_content()
    assert "rollout on Tuesday" in html and "e2e check-in" in html
    assert [p.get_filename() for p in forward.iter_attachments()] == ["plan.pdf"]

    # -- an out-of-office to the same address: kept, not a reply
    raw, ooo_id = make_mail(
        f"Cleo Customer <cleo@{domain}>",
        str(reply_to),
        "Out of office",
        "I am away until Monday.",
        msgid_domain=domain,
        Auto_Submitted="auto-replied",
    )
    smtp.send(f"cleo@{domain}", [reply_address], raw)
    assert wait_for_log(odoo, ooo_id)["state"] == "ignored"
    time.sleep(2)  # the mail queue would have sent a second forward by now
    team = imap_fetch_all(cfg.imap_port, "team", cfg.imap_password)
    # (Odoo also told the owner of the assignment: not a forward)
    forwards = [m for m in team if f"cleo@{domain}" in str(m["Reply-To"] or "")]
    assert [m["Subject"] for m in forwards] == [msg["Subject"]], [
        (m["Subject"], m["Reply-To"]) for m in team
    ]


def test_nothing_left_for_the_outside_world(cfg):
    """No email ever went to a customer's real domain (logged emails are
    internal notes), and no mail is stuck in Postfix's queue."""
    log = maillog(cfg)
    leaked = re.findall(r"to=<([^>]+@[^>]+\.example)>", log)
    assert not leaked, leaked[:5]
    queue = subprocess.run(
        ["postqueue", "-c", str(cfg.state / "postfix" / "conf"), "-p"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Mail queue is empty" in queue, queue
