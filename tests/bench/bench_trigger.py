"""Benchmark: email trigger generation and sending for 100 000 users (SPEC T4-T6).

Builds (once, by SQL, kept for later runs) 10 000 accounts with 100 000 users
and about 1.5 million usage events over a year, and 10 active triggers with
realistic rules (include-boxes, user rules, account rules, usage rules). Then,
in one transaction that is rolled back at the end:

1. generate: the lists of the 10 triggers in one cron pass (``_run_generate``),
   time and queries;
2. render + queue: send rows become personalised ``mail.mail`` (rendering,
   tracked links, pixel, account communications), emails per second, with the
   body compiled once per batch and, for comparison, once per email (Odoo's
   default path);
3. send: the mail queue delivers those emails over SMTP to the end-to-end
   suite's Postfix, private to this run on 127.0.0.1 and discarding what it
   accepts (``_postfix.py``; ``--smtp sink``: a minimal SMTP server in this
   script), first a sample through Odoo's per-email path, then the batched
   sender of trigger emails: emails per second and queries per email.

Prints figures; it is not a test. Run:
    .venv/bin/python tests/bench/bench_trigger.py -d DB -- \\
        --addons-path=ODOO/odoo/addons,. --db_host=127.0.0.1 --db_user=odoo
The database must have natero_mail_trigger installed.
"""

import argparse
import contextlib
import os
import socket
import socketserver
import threading
import time
from datetime import timedelta
from unittest.mock import patch

import _postfix
from _bench import measure, odoo_env

from odoo import fields

ACCOUNTS = 10_000
USERS_PER_ACCOUNT = 10
EVENTS_PER_USER = 15
EVENT_NAMES = [
    "login",
    "report_run",
    "dashboard_view",
    "export",
    "invite_sent",
    "api_call",
]
MARK = "Bench trigger"

BODY = """<div>
    <p>Hello <t t-out="object.name or ''"/>,</p>
    <p>You signed up <t t-out="object.natero_days_since_signup or 0"/> days ago and
       <t t-out="object.commercial_partner_id.name or ''"/> is on the
       <t t-out="object.commercial_partner_id.natero_lifecycle_stage or ''"/> stage.</p>
    <p t-if="object.natero_role == 'admin'">As an admin, invite your team:
       <a href="https://product.example.com/invite">invite</a>.</p>
    <p>Read <a href="https://product.example.com/docs/reports">the guide</a> or
       <a href="https://product.example.com/webinar">join the webinar</a>.</p>
    <p style="font-size: 12px; color: #888;">
        <a t-att-href="unsubscribe_url">Unsubscribe</a>
    </p>
</div>"""

# name, values, usage rules [(event, operator, count, days)]
TRIGGERS = [
    (
        "Onboarding: run your first report",
        {
            "include_product_users": True,
            "user_domain": "[('natero_days_since_signup', '>=', 10), "
            "('natero_days_since_signup', '<=', 60)]",
            "priority": 10,
            "global_delay_days": 2,
        },
        [("report_run", "<", 1, 10)],
    ),
    (
        "We miss you",
        {"include_inactive": True, "priority": 5, "retrigger_delay_days": 30},
        [],
    ),
    (
        "Admins of large accounts without login",
        {
            "include_product_users": True,
            "user_domain": "[('natero_role', '=', 'admin'), "
            "('natero_days_since_login', '>=', 7)]",
            "use_account_rule": True,
            "account_domain": "[('natero_arr', '>', 10000)]",
            "priority": 8,
        },
        [],
    ),
    (
        "Win-back of churned accounts",
        {"include_churned": True, "never_retrigger": True, "priority": 3},
        [],
    ),
    (
        "Power users: congratulations",
        {"include_product_users": True, "never_retrigger": True, "priority": 2},
        [("report_run", ">=", 3, 30)],
    ),
    (
        "Renewal: CRM contacts",
        {
            "include_crm_contacts": True,
            "use_account_rule": True,
            "account_domain": "[('natero_lifecycle_stage', '=', 'renewal')]",
            "priority": 6,
            "global_delay_days": 7,
        },
        [],
    ),
    (
        "Feature adoption: exports",
        {"include_product_users": True, "priority": 4, "global_delay_days": 3},
        [("export", "<", 1, 90), ("dashboard_view", ">=", 1, 30)],
    ),
    (
        "Trial users",
        {
            "include_product_users": True,
            "use_account_rule": True,
            "account_domain": "[('natero_lifecycle_stage', '=', 'trial')]",
            "priority": 7,
        },
        [],
    ),
    (
        "API users",
        {"include_product_users": True, "priority": 1},
        [("api_call", ">=", 2, 30)],
    ),
    (
        "Invite your teammates",
        {
            "include_product_users": True,
            "user_domain": "[('natero_role', '=', 'admin')]",
            "priority": 9,
        },
        [("invite_sent", "=", 0, 60)],
    ),
]


# ---------------------------------------------------------------- SMTP sink


class SinkHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for Odoo's smtplib client: accepts all."""

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 bench-sink ESMTP")
        while not self.server.stopped:
            line = self.rfile.readline(65536)
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-bench-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"DATA":
                self.reply("354 end with .")
                while self.rfile.readline(1 << 20) not in (b".\r\n", b""):
                    pass
                self.server.count += 1
                self.reply("250 queued")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.reply("250 ok")


class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, max_seconds):
        super().__init__(("127.0.0.1", 0), SinkHandler)
        self.count = 0
        self.stopped = False
        self.port = self.server_address[1]
        self.timer = threading.Timer(max_seconds, self.stop)

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        self.timer.start()
        return self

    def stop(self):
        self.stopped = True
        self.shutdown()

    def __exit__(self, *exc):
        self.timer.cancel()
        if not self.stopped:
            self.stop()
        self.server_close()


# ------------------------------------------------------------------- data


def populate(env):
    """Accounts, users and events by SQL (the ORM would take many minutes)."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM res_partner WHERE name LIKE 'Bench user %%'")
    if cr.fetchone()[0] >= ACCOUNTS * USERS_PER_ACCOUNT:
        return
    start = time.perf_counter()
    print(
        f"populating {ACCOUNTS} accounts, {ACCOUNTS * USERS_PER_ACCOUNT} users, "
        f"~{ACCOUNTS * USERS_PER_ACCOUNT * EVENTS_PER_USER} events"
    )
    cr.execute("SELECT setseed(0.42)")
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, is_company, active, type,
                                 email, email_normalized, natero_arr, natero_churned,
                                 natero_lifecycle_stage, create_date, write_date,
                                 create_uid, write_uid)
        SELECT 'Bench account ' || g, 'Bench account ' || g, true, true, 'contact',
               'info@acct' || g || '.example', 'info@acct' || g || '.example',
               round((random() * 200000)::numeric, 0), random() < 0.05,
               (ARRAY['trial', 'onboarding', 'adoption', 'renewal', 'expansion',
                      'at_risk'])[1 + floor(random() * 6)::int],
               now(), now(), 1, 1
          FROM generate_series(1, %s) g
        """,
        [ACCOUNTS],
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE name LIKE 'Bench account %%'"
    )
    cr.execute(
        """
        WITH acc AS (
            SELECT id, substring(name from 15)::int AS n
              FROM res_partner WHERE name LIKE 'Bench account %%'
        )
        INSERT INTO res_partner (name, complete_name, is_company, active, type,
                                 parent_id, commercial_partner_id, email,
                                 email_normalized, natero_product_user,
                                 natero_crm_contact, natero_role, natero_signup_date,
                                 natero_last_login, lang, create_date, write_date,
                                 create_uid, write_uid)
        SELECT 'Bench user ' || g, 'Bench account ' || acc.n || ', Bench user ' || g,
               false, true, 'contact', acc.id, acc.id,
               'u' || g || '@acct' || acc.n || '.example',
               'u' || g || '@acct' || acc.n || '.example',
               random() < 0.9, random() < 0.3,
               CASE WHEN random() < 0.1 THEN 'admin' ELSE 'member' END,
               current_date - (random() * 730)::int,
               CASE WHEN random() < 0.1 THEN NULL
                    ELSE now() - random() * interval '90 days' END,
               'en_US', now(), now(), 1, 1
          FROM generate_series(1, %s) g
          JOIN acc ON acc.n = (g - 1) / %s + 1
        """,
        [ACCOUNTS * USERS_PER_ACCOUNT, USERS_PER_ACCOUNT],
    )
    cr.execute(
        """
        INSERT INTO natero_usage_event (name, time, partner_id, account_id,
                                        company_id, create_date, write_date,
                                        create_uid, write_uid)
        SELECT (%s::varchar[])[1 + floor(random() * %s)::int],
               now() - random() * interval '365 days',
               p.id, p.commercial_partner_id, %s, now(), now(), 1, 1
          FROM res_partner p
          CROSS JOIN generate_series(1, %s) g
         WHERE p.name LIKE 'Bench user %%'
        """,
        [EVENT_NAMES, len(EVENT_NAMES), env.company.id, EVENTS_PER_USER],
    )
    cr.execute("ANALYZE res_partner")
    cr.execute("ANALYZE natero_usage_event")
    cr.commit()
    print(f"populated in {time.perf_counter() - start:.0f} s")


def make_triggers(env):
    """The 10 bench triggers, active, due to generate now (not committed)."""
    Trigger = env["natero.trigger"]
    Trigger.search([("name", "like", f"{MARK}: %")]).write({"state": "inactive"})
    triggers = Trigger.create(
        [
            {
                "name": f"{MARK}: {name}",
                "email_from": '"Customer Success" <success@vendor.example>',
                "subject": "{{ object.name }}, a tip for "
                "{{ object.commercial_partner_id.name }}",
                "body_html": BODY,
                "retrigger_delay_days": 7,
                "usage_rule_ids": [
                    (
                        0,
                        0,
                        {
                            "event_name": event,
                            "operator": operator,
                            "count": count,
                            "days": days,
                        },
                    )
                    for event, operator, count, days in rules
                ],
                **values,
            }
            for name, values, rules in TRIGGERS
        ]
    )
    triggers.action_activate()
    return triggers


def queue(env, triggers, now, count):
    """Queue ``count`` emails from the generated lists, in batches of 500."""
    Send = env["natero.trigger.send"]
    queued = 0
    for trigger in triggers:
        while queued < count:
            rows = Send._lock_pending(
                trigger, trigger.pending_day, min(500, count - queued)
            )
            if not rows:
                break
            queued += trigger._send_rows(rows)
    return queued


@contextlib.contextmanager
def smtp_server(args):
    """``(name, port, received())`` of the SMTP server the emails go to."""
    why = _postfix.available()
    target = args.smtp or ("sink" if why else "postfix")
    if target == "postfix":
        if why:
            raise SystemExit(f"--smtp postfix: {why}")
        state = _postfix.REPO / ".state" / "bench-postfix"
        with _postfix.PrivatePostfix(state, args.smtp_port) as postfix:
            yield "Postfix", args.smtp_port, lambda: sum(postfix.message_ids().values())
        return
    if args.smtp is None:
        print(f"SMTP: a sink in this script, not Postfix ({why})")
    with SmtpSink(args.smtp_seconds) as sink:
        yield "the SMTP sink", sink.port, lambda: sink.count


def per_email_compile(self, template, res_ids):
    """Odoo's own path: the body compiled for every email."""
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--queue", type=int, default=5000, help="emails rendered and queued"
    )
    parser.add_argument(
        "--send", type=int, default=2000, help="emails sent by the batched sender"
    )
    parser.add_argument(
        "--odoo-path",
        type=int,
        default=300,
        help="emails sent first through Odoo's per-email path, for comparison",
    )
    parser.add_argument(
        "--smtp",
        choices=("postfix", "sink"),
        help="the SMTP server: the e2e suite's private Postfix (default when "
        "installed and root) or a minimal sink in this script",
    )
    parser.add_argument(
        "--smtp-port",
        type=int,
        default=int(os.environ.get("NATERO_BENCH_SMTP_PORT") or 18475),
        help="port of the private Postfix (NATERO_BENCH_SMTP_PORT)",
    )
    parser.add_argument("--smtp-seconds", type=int, default=600)
    with odoo_env(parser) as (args, env):
        cr = env.cr
        populate(env)
        cr.execute("SELECT count(*) FROM natero_usage_event")
        events = cr.fetchone()[0]
        users = env["res.partner"].search_count([("name", "like", "Bench user %")])
        print(f"{users} users, {events} usage events, {len(TRIGGERS)} triggers")

        # 1. generation of all lists in one cron pass
        triggers = make_triggers(env)
        env.flush_all()
        now = fields.Datetime.now() + timedelta(days=1)
        created, seconds, queries = measure(env, lambda: triggers._run_generate(now))
        print(
            f"generate: {created} recipients in {len(triggers)} lists, "
            f"{seconds:.1f} s, {queries} queries"
        )
        for trigger in triggers:
            print(f"  {trigger.pending_count:6d}  {trigger.name}")
        cr.execute("SAVEPOINT generated")

        # 2. render + queue, per-email compile (Odoo's default) then batch
        sample = min(args.queue, 1000)
        with patch(
            "odoo.addons.natero_mail_trigger.models.natero_trigger_render."
            "NateroTriggerRender._can_render_batch",
            per_email_compile,
        ):
            done, seconds, queries = measure(
                env, lambda: queue(env, triggers, now, sample)
            )
        print(
            f"render+queue, body compiled per email: {done / seconds:.0f} emails/s "
            f"({1000 * seconds / done:.1f} ms/email, {queries / done:.2f} "
            "queries/email)"
        )
        cr.execute("ROLLBACK TO SAVEPOINT generated")
        env.invalidate_all()
        done, seconds, queries = measure(
            env, lambda: queue(env, triggers, now, args.queue)
        )
        print(
            f"render+queue, body compiled per batch: {done / seconds:.0f} emails/s "
            f"({1000 * seconds / done:.1f} ms/email, {queries / done:.2f} "
            f"queries/email, {done} emails)"
        )

        # 3. the mail queue sends over SMTP: Odoo's per-email path on a
        # sample, then the batched sender of trigger emails
        mails = env["mail.mail"].search(
            [("natero_trigger_send_id.trigger_id", "in", triggers.ids)],
            limit=args.send + args.odoo_path,
            order="id",
        )
        odoo_mails = mails[: args.odoo_path]
        batch_mails = mails[args.odoo_path :]
        send_ids = mails.natero_trigger_send_id.ids  # the mails are auto-deleted
        ICP = env["ir.config_parameter"].sudo()
        with smtp_server(args) as (target, port, received):
            server = env["ir.mail_server"].create(
                {
                    "name": "bench SMTP",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": port,
                    "smtp_encryption": "none",
                    "sequence": 0,
                }
            )
            mails.write({"mail_server_id": server.id})
            env.flush_all()
            figures = []
            for label, batch, enabled in (
                ("Odoo's per-email path", odoo_mails, "0"),
                ("batched sender", batch_mails, "1"),
            ):
                if not batch:
                    continue
                ICP.set_param("natero_mail_trigger.batch_send", enabled)
                env.flush_all()
                _, seconds, queries = measure(
                    env,
                    lambda batch=batch: batch.send(
                        auto_commit=False, raise_exception=True
                    ),
                )
                figures.append((label, len(batch), seconds, queries))
            accepted = received()
        sent = env["natero.trigger.send"].search_count(
            [("id", "in", send_ids), ("state", "=", "sent")]
        )
        print(
            f"send to {target} on 127.0.0.1:{port}: {accepted} accepted by the "
            f"server, {sent} sends marked sent of {len(send_ids)}"
        )
        for label, count, seconds, queries in figures:
            print(
                f"  {label}: {count} emails, {count / seconds:.0f} emails/s, "
                f"{queries / count:.2f} queries/email"
            )
        if len(figures) == 2:
            (_, n_odoo, s_odoo, _), (_, n_batch, s_batch, _) = figures
            ratio = (n_batch / s_batch) / (n_odoo / s_odoo)
            print(f"  ratio batched / Odoo's: {ratio:.1f}x")
        cr.rollback()


if __name__ == "__main__":
    socket.setdefaulttimeout(60)
    main()
