"""Benchmark: logging throughput against Odoo's own alias processing (SPEC L3).

Builds (once) a database with 100 000 contacts in 20 000 accounts and 20 000
open deals, generates 2 000 realistic emails (BCC copies and forwards, 1-5
participants each), then measures in the same run:

- ours: raw mail -> ``message_process`` (stores) -> ``_process_pending`` (logs
  on contacts, accounts and deals);
- Odoo: the same emails sent to a crm.lead alias -> ``message_process``.

Prints emails per second and queries per email for both, and their ratio.
Both runs are rolled back, so the database can be reused.

Run it with ``setup/bench`` (which creates the database), or directly:
    .venv/bin/python tests/bench/bench_mail_log.py -d DB --addons-path ...
"""

import argparse
import random
import statistics

from _bench import measure, odoo_env

ACCOUNTS = 20_000
CONTACTS_PER_ACCOUNT = 5
EMAILS = 2_000
SELLER = "sam.seller@vendor.example"
FREE = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com"]

BCC = """From: Sam Seller <{seller}>
To: {to}
Cc: {cc}
Delivered-To: {log}
Subject: {subject}
Date: Mon, 16 Nov 2026 09:{minute:02d}:00 +0100
Message-ID: <bench-{run}-{n}@vendor.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p>Hello,</p><p>{text}</p><p>Best regards,<br>Sam</p>
"""

FORWARD = """From: Sam Seller <{seller}>
To: {log}
Subject: Fwd: {subject}
Date: Tue, 17 Nov 2026 14:{minute:02d}:00 +0100
Message-ID: <bench-{run}-{n}@vendor.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

FYI

---------- Forwarded message ---------
From: Customer <{orig_from}>
Date: Tue, Nov 17, 2026 at 11:40 AM
Subject: {subject}
To: Sam Seller <{seller}>
Cc: {cc}


{text}
"""

WORDS = (
    "offer price delivery contract renewal meeting invoice support upgrade "
    "licence training onboarding feedback roadmap discount quote"
).split()


def contact(rng):
    account = rng.randrange(1, ACCOUNTS + 1)
    n = (account - 1) * CONTACTS_PER_ACCOUNT + rng.randrange(
        1, CONTACTS_PER_ACCOUNT + 1
    )
    return f"c{n}@acct{account}.example", account


def participant(rng, i):
    roll = rng.random()
    if roll < 0.8:
        return contact(rng)[0]
    if roll < 0.9:
        return f"new{i}@acct{rng.randrange(1, ACCOUNTS + 1)}.example"
    return f"person{i}@{rng.choice(FREE)}"


def make_emails(log, run, count=EMAILS, seed=42):
    rng = random.Random(seed)
    emails = []
    for n in range(count):
        people = [participant(rng, f"{n}x{k}") for k in range(rng.randint(1, 5))]
        values = {
            "seller": SELLER,
            "log": log,
            "run": run,
            "n": n,
            "minute": n % 60,
            "subject": " ".join(rng.choice(WORDS) for _ in range(4)).capitalize(),
            "text": " ".join(rng.choice(WORDS) for _ in range(180)),
        }
        if rng.random() < 0.6:
            values.update(to=", ".join(people[:2]), cc=", ".join(people[2:]))
            emails.append(BCC.format(**values).encode())
        else:
            values.update(orig_from=people[0], cc=", ".join(people[1:]))
            emails.append(FORWARD.format(**values).encode())
    return emails


def populate(env):
    """Accounts, contacts and open deals by SQL (the ORM would take minutes)."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM res_partner WHERE name LIKE 'Bench account %%'")
    if cr.fetchone()[0] >= ACCOUNTS:
        return
    print(f"populating {ACCOUNTS} accounts, {ACCOUNTS * CONTACTS_PER_ACCOUNT} contacts")
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, is_company, active, type,
                                 email, email_normalized, create_date, write_date,
                                 create_uid, write_uid)
        SELECT 'Bench account ' || g, 'Bench account ' || g, true, true, 'contact',
               'info@acct' || g || '.example', 'info@acct' || g || '.example',
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
                                 email_normalized, create_date, write_date,
                                 create_uid, write_uid)
        SELECT 'Contact ' || g, 'Bench account ' || acc.n || ', Contact ' || g,
               false, true, 'contact', acc.id, acc.id,
               'c' || g || '@acct' || acc.n || '.example',
               'c' || g || '@acct' || acc.n || '.example',
               now(), now(), 1, 1
          FROM generate_series(1, %s) g
          JOIN acc ON acc.n = (g - 1) / %s + 1
        """,
        [ACCOUNTS * CONTACTS_PER_ACCOUNT, CONTACTS_PER_ACCOUNT],
    )
    stage = env["crm.stage"].search([("is_won", "=", False)], limit=1)
    cr.execute(
        """
        INSERT INTO crm_lead (name, type, partner_id, stage_id, active,
                              probability, company_id, create_date, write_date,
                              create_uid, write_uid)
        SELECT 'Deal of ' || p.name, 'opportunity', p.id, %s, true, 10, %s,
               now() - (p.id %% 1000) * interval '1 minute',
               now() - (p.id %% 1000) * interval '1 minute', 1, 1
          FROM res_partner p
         WHERE p.email_normalized LIKE 'c%%@acct%%.example'
           AND p.email_normalized ~ '^c[0-9]+[05]@'
        """,
        [stage.id, env.company.id],
    )
    cr.execute("ANALYZE res_partner")
    cr.execute("ANALYZE crm_lead")
    cr.execute("SELECT count(*) FROM crm_lead WHERE name LIKE 'Deal of %%'")
    print(f"open deals: {cr.fetchone()[0]}")
    cr.commit()


def setup_users(env):
    seller = env["res.users"].search([("login", "=", SELLER)])
    if not seller:
        seller = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create({"name": "Sam Seller", "login": SELLER, "email": SELLER})
        )
    alias = env["mail.alias"].search([("alias_name", "=", "bench-leads")])
    if not alias:
        alias = env["mail.alias"].create(
            {
                "alias_name": "bench-leads",
                "alias_model_id": env["ir.model"]._get_id("crm.lead"),
                "alias_contact": "everyone",
            }
        )
    if not env.company.alias_domain_id:
        domain = env["mail.alias.domain"].search([("name", "=", "vendor.example")])
        domain = domain or env["mail.alias.domain"].create({"name": "vendor.example"})
        env.company.alias_domain_id = domain
    alias.alias_domain_id = env.company.alias_domain_id
    env.company.natero_log_internal_domains = "vendor.example"
    # Odoo's loop guard drops a sender's mail past 20 records in 2 hours: lift
    # it, or the baseline would measure 1 980 dropped emails.
    env["ir.config_parameter"].set_param("mail.gateway.loop.threshold", 10**9)
    env.cr.commit()
    return alias


def run_ours(env, emails):
    def go():
        thread = env["mail.thread"]
        for raw in emails:
            thread.message_process(False, raw)
        env["natero.mail.log"]._process_pending()

    _result, seconds, queries = measure(env, go)
    logs = env["natero.mail.log"].search([("message_id", "like", "bench-ours-%")])
    states = {}
    for log in logs:
        states[log.state] = states.get(log.state, 0) + 1
    posts = env["mail.message"].search_count([("natero_log_id", "in", logs.ids)])
    return seconds, queries, states, posts


def run_odoo(env, emails):
    def go():
        thread = env["mail.thread"]
        for raw in emails:
            thread.message_process(False, raw)

    before = env["crm.lead"].search_count([])
    _result, seconds, queries = measure(env, go)
    return seconds, queries, env["crm.lead"].search_count([]) - before


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emails", type=int, default=EMAILS)
    parser.add_argument(
        "--profile", action="store_true", help="profile our run only (cProfile)"
    )
    with odoo_env(parser) as (args, env):
        cr = env.cr
        populate(env)
        alias = setup_users(env)
        log = env.company.natero_log_alias_id
        log_address = log.alias_full_name or f"{log.alias_name}@vendor.example"
        lead_address = alias.alias_full_name or f"{alias.alias_name}@vendor.example"
        ours = make_emails(log_address, "ours", args.emails)
        theirs = make_emails(lead_address, "odoo", args.emails)
        sizes = [len(e) for e in ours]
        print(
            f"{len(ours)} emails, median {statistics.median(sizes):.0f} bytes; "
            f"contacts: {env['res.partner'].search_count([])}, "
            f"open deals: {env['crm.lead'].search_count([('type', '=', 'opportunity')])}"  # noqa: E501
        )
        # Warm up both paths (caches, prepared plans) on a few emails.
        run_ours(env, make_emails(log_address, "warm", 20, seed=7))
        run_odoo(env, make_emails(lead_address, "warmodoo", 20, seed=7))
        cr.rollback()

        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(run_ours, env, ours)
            cr.rollback()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            return
        o_sec, o_q, states, posts = run_ours(env, ours)
        cr.rollback()
        b_sec, b_q, leads = run_odoo(env, theirs)
        cr.rollback()

    n = len(ours)
    print(
        f"natero_mail_log: {n / o_sec:.1f} emails/s, {o_q / n:.1f} queries/email, "
        f"{posts / n:.1f} chatter posts/email, states {states}"
    )
    print(
        f"odoo crm alias : {n / b_sec:.1f} emails/s, {b_q / n:.1f} queries/email "
        f"({leads} leads created)"
    )
    print(
        f"ratio (ours / odoo) per email: time {o_sec / b_sec:.2f}x, "
        f"queries {o_q / b_q:.2f}x"
    )


if __name__ == "__main__":
    main()
