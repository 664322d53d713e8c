"""Benchmark: a trigger run of 100 000 users on N real Odoo servers (issue 14).

For each N given (default 1 and 2): N Odoo server processes (``odoo-bin
--workers --max-cron-threads``, each with its own cron workers) serve the same
database; one trigger is due for all the users; the servers' crons generate its
list, queue the emails and send them (the trigger cron and the sending lanes,
``SKIP LOCKED``) to an SMTP server: the e2e suite's private Postfix
(``_postfix.py``, discarding what it accepts) when it can run here, else a
sink in this script that records every Message-Id.

Printed per N: users, seconds from "due" to "all sent", users/s; and, checked
against the database and the SMTP server: send rows per user (duplicates),
users without a sent email (missing), emails accepted by the server twice,
emails left in the queue. Then the speed-up. Figures, never assertions.

    python tests/bench/bench_servers_trigger.py -d DB [--servers 1 2]
        [--users 100000] -- --addons-path=... --db_host=... --db_user=...

The database needs natero_mail_trigger installed; its users (``Servers user
N``) are added once, by SQL, and kept. ``setup/bench servers-trigger`` runs it.
"""

import argparse
import collections
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import _postfix
from _bench import odoo_env
from bench_trigger import SinkHandler, SmtpSink

from odoo import fields
from odoo.tools import config

REPO = Path(__file__).resolve().parents[2]
STATE = REPO / ".state" / "bench-servers"
PREFIX = "Servers user"


# ------------------------------------------------------------------ SMTP


class RecordingHandler(SinkHandler):
    """The benchmark sink, recording the Message-Id of every message."""

    def handle(self):
        self.reply("220 bench-sink ESMTP")
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-bench-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"DATA":
                self.reply("354 end with .")
                message_id = None
                while True:
                    data = self.rfile.readline(1 << 20)
                    if data in (b".\r\n", b""):
                        break
                    if message_id is None and data.lower().startswith(b"message-id:"):
                        message_id = data.split(b":", 1)[1].strip().decode()
                with self.server.lock:
                    self.server.ids[message_id] += 1
                self.reply("250 queued")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class RecordingSink(SmtpSink):
    def __init__(self, port):
        socketserver_init = super(SmtpSink, self).__init__
        socketserver_init(("127.0.0.1", port), RecordingHandler)
        self.ids = collections.Counter()
        self.lock = threading.Lock()
        self.port = port
        self.stopped = False
        self.timer = threading.Timer(24 * 3600, self.stop)

    def message_ids(self):
        with self.lock:
            return collections.Counter(self.ids)


def smtp_server(kind, port):
    if kind == "postfix":
        return _postfix.PrivatePostfix(STATE / f"postfix-{port}", port)
    return RecordingSink(port)


# ------------------------------------------------------------------ data


def populate(env, users):
    cr = env.cr
    cr.execute("SELECT count(*) FROM res_partner WHERE name LIKE %s", [f"{PREFIX} %"])
    have = cr.fetchone()[0]
    if have >= users:
        return
    print(f"adding {users - have} users ({PREFIX} N) by SQL")
    accounts = max(users // 10, 1)
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, is_company, active, type,
                                 email, email_normalized, natero_arr,
                                 create_date, write_date, create_uid, write_uid)
        SELECT 'Servers account ' || g, 'Servers account ' || g, true, true,
               'contact', 'info@srv' || g || '.example',
               'info@srv' || g || '.example', 1000, now(), now(), 1, 1
          FROM generate_series(1, %s) g
        """,
        [accounts],
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE name LIKE 'Servers account %%' AND commercial_partner_id IS NULL"
    )
    cr.execute(
        """
        WITH acc AS (
            SELECT id, substring(name from 17)::int AS n
              FROM res_partner WHERE name LIKE 'Servers account %%'
        )
        INSERT INTO res_partner (name, complete_name, is_company, active, type,
                                 parent_id, commercial_partner_id, email,
                                 email_normalized, natero_product_user, lang,
                                 create_date, write_date, create_uid, write_uid)
        SELECT %s || ' ' || g, %s || ' ' || g, false, true, 'contact',
               acc.id, acc.id, 'u' || g || '@srv' || acc.n || '.example',
               'u' || g || '@srv' || acc.n || '.example', true, 'en_US',
               now(), now(), 1, 1
          FROM generate_series(%s, %s) g
          JOIN acc ON acc.n = (g - 1) / 10 + 1
        """,
        [PREFIX, PREFIX, have + 1, users],
    )
    cr.execute("ANALYZE res_partner")
    cr.commit()


def clean_up(env):
    """Leftovers of an interrupted run: its triggers stop, its unsent emails
    go (they would be sent during the next measure)."""
    cr = env.cr
    cr.execute(
        """DELETE FROM mail_mail m USING natero_trigger_send s, natero_trigger t
            WHERE s.id = m.natero_trigger_send_id AND t.id = s.trigger_id
              AND t.name LIKE 'Servers bench %%' AND m.state != 'sent'"""
    )
    cr.execute(
        """UPDATE natero_trigger SET state = 'inactive', next_send_at = NULL,
                  next_generate_at = NULL
            WHERE name LIKE 'Servers bench %%' AND state = 'active'"""
    )
    cr.commit()


def make_trigger(env, label, server_id, users):
    """A trigger due now for the first ``users`` ``Servers user``: generated
    and sent at once (generate and send times 00:00 UTC, today's list)."""
    env.cr.execute(
        """SELECT max(id) FROM (SELECT id FROM res_partner WHERE name LIKE %s
                                 ORDER BY id LIMIT %s) first""",
        [f"{PREFIX} %", users],
    )
    last_id = env.cr.fetchone()[0]
    owner = env.ref("base.user_admin")
    owner.tz = "UTC"
    trigger = env["natero.trigger"].create(
        {
            "name": f"Servers bench {label}",
            "user_id": owner.id,
            "email_from": '"Customer Success" <success@vendor.example>',
            "subject": "{{ object.name }}, a tip",
            "body_html": '<p>Hello <t t-out="object.name"/>, see '
            '<a href="https://product.example.com/docs">the guide</a>. '
            '<a t-att-href="unsubscribe_url">Unsubscribe</a></p>',
            "include_product_users": True,
            "user_domain": repr(
                [("name", "=like", f"{PREFIX} %"), ("id", "<=", last_id)]
            ),
            "generate_time": 0.0,
            "send_time": 0.0,
            "retrigger_delay_days": 0,
        }
    )
    trigger.action_activate()
    trigger.write({"next_generate_at": fields.Datetime.now() - timedelta(seconds=1)})
    # every outgoing email of the run goes to the benchmark's SMTP server
    env["ir.mail_server"].browse(server_id).sequence = 0
    return trigger


# --------------------------------------------------------------- servers


def start_servers(count, database, odoo_args, args, label):
    procs = []
    for index in range(count):
        http = args.port + 2 * index
        log = STATE / f"odoo-{label}-{index + 1}.log"
        command = [
            sys.executable,
            str(Path(config["root_path"]).parent / "odoo-bin"),
            *odoo_args,
            "-d",
            database,
            f"--db-filter=^{database}$",
            "--no-database-list",
            f"--workers={args.workers}",
            f"--max-cron-threads={args.cron_threads}",
            "--limit-time-real-cron=0",
            "--limit-time-cpu=3600",
            "--limit-time-real=3600",
            "--http-interface=127.0.0.1",
            f"--http-port={http}",
            f"--gevent-port={http + 1}",
            f"--logfile={log}",
            "--log-level=info",
        ]
        procs.append(subprocess.Popen(command, start_new_session=True))
    for index in range(count):
        port = args.port + 2 * index
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.1)
    return procs


def wait_for_cron_workers(env, timeout=120):
    """Wait until the servers' cron workers run jobs: the sending lanes are
    woken up and their last call must pass. Then the run's clock measures
    the run, not the servers' start."""
    from odoo.addons.natero_mail_trigger.models.natero_trigger_mailer import (
        LANE_CRONS,
    )

    cr = env.cr
    crons = env["ir.cron"].browse([env.ref(xmlid).id for xmlid in LANE_CRONS])
    cr.execute("SELECT now() AT TIME ZONE 'UTC'")
    since = cr.fetchone()[0]
    for cron in crons:
        cron._trigger()
    cr.commit()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cr.execute(
            "SELECT count(*) FROM ir_cron WHERE id = ANY(%s) AND lastcall >= %s",
            [crons.ids, since],
        )
        if cr.fetchone()[0] == len(crons):
            return
        time.sleep(0.5)
        cr.commit()
    print("  (the cron workers did not answer in time; measuring anyway)")


def stop_servers(procs):
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# ------------------------------------------------------------------- run


def tally(cr, trigger_id):
    cr.execute(
        """SELECT count(*), count(DISTINCT partner_id),
                  count(*) FILTER (WHERE state = 'sent'),
                  count(*) FILTER (WHERE state IN ('generated', 'queued')),
                  count(*) FILTER (WHERE state IN ('failed', 'bounced', 'cancelled'))
             FROM natero_trigger_send WHERE trigger_id = %s""",
        [trigger_id],
    )
    return cr.fetchone()


def run(env, count, args, odoo_args, kind, server_record):
    cr = env.cr
    label = f"n{count}-{int(time.time())}"
    expected = min(
        args.users,
        env["res.partner"].search_count([("name", "=like", f"{PREFIX} %")]),
    )
    with smtp_server(kind, args.smtp_port) as smtp:
        procs = start_servers(count, cr.dbname, odoo_args, args, label)
        try:
            wait_for_cron_workers(env)
            trigger = make_trigger(env, label, server_record, args.users)
            env.ref("natero_mail_trigger.ir_cron_natero_trigger_process")._trigger()
            cr.commit()
            start = time.perf_counter()
            last = None
            while True:
                time.sleep(1)
                cr.commit()  # a fresh snapshot
                rows, users, sent, pending, failed = tally(cr, trigger.id)
                now = time.perf_counter() - start
                if rows and not pending and rows == sent + failed:
                    break
                if now > args.timeout:
                    print(f"  N={count}: timed out after {args.timeout} s")
                    break
                if last is None or now - last >= 30:
                    last = now
                    print(
                        f"  N={count}: {now:.0f} s, {rows} rows, {sent} sent, "
                        f"{pending} pending"
                    )
            seconds = time.perf_counter() - start
        finally:
            stop_servers(procs)
        received = smtp.message_ids()
    cr.execute(
        """SELECT count(*) FROM mail_mail m
             JOIN natero_trigger_send s ON s.id = m.natero_trigger_send_id
            WHERE s.trigger_id = %s AND m.state = 'outgoing'""",
        [trigger.id],
    )
    left_in_queue = cr.fetchone()[0]
    cr.execute(
        """SELECT s.message_id FROM natero_trigger_send s
            WHERE s.trigger_id = %s AND s.state = 'sent'""",
        [trigger.id],
    )
    sent_ids = {row[0] for row in cr.fetchall()}
    rows, users, sent, pending, failed = tally(cr, trigger.id)
    duplicate_rows = rows - users
    smtp_duplicates = sum(n - 1 for key, n in received.items() if key in sent_ids)
    not_received = len(sent_ids - set(received))
    missing = expected - sent
    print(
        f"N={count}: {expected} users, {sent} emails sent in {seconds:.1f} s: "
        f"{sent / seconds:.0f} users/s; duplicates {duplicate_rows + smtp_duplicates} "
        f"(rows {duplicate_rows}, at the SMTP server {smtp_duplicates}), missing "
        f"{missing} (not received by the SMTP server {not_received}), failed "
        f"{failed}, left in the queue {left_in_queue}"
    )
    env["natero.trigger"].browse(trigger.id).write({"state": "inactive"})
    cr.commit()
    return sent / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cron-threads", type=int, default=2)
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("NATERO_BENCH_PORT") or 18480),
        help="first HTTP port of the servers (two each: HTTP, gevent)",
    )
    parser.add_argument(
        "--smtp",
        choices=("postfix", "sink"),
        help="default: the private Postfix when it can run here",
    )
    parser.add_argument(
        "--smtp-port",
        type=int,
        default=int(os.environ.get("NATERO_BENCH_SMTP_PORT") or 18475),
    )
    parser.add_argument("--timeout", type=int, default=3600)
    STATE.mkdir(parents=True, exist_ok=True)
    with odoo_env(parser) as (args, env):
        odoo_args = [arg for arg in sys.argv[sys.argv.index("--") + 1 :]]
        odoo_args = [a for a in odoo_args if not a.startswith("--log-level")]
        why = _postfix.available()
        kind = args.smtp or ("sink" if why else "postfix")
        if kind == "sink" and why:
            print(f"SMTP: a sink in this script, not Postfix ({why})")
        populate(env, args.users)
        clean_up(env)
        env["ir.config_parameter"].set_param("natero_mail_trigger.batch_send", "1")
        server = env["ir.mail_server"].create(
            {
                "name": "servers bench SMTP",
                "smtp_host": "127.0.0.1",
                "smtp_port": args.smtp_port,
                "smtp_encryption": "none",
                "sequence": 0,
            }
        )
        env.cr.commit()
        print(
            f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), "
            f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}; SMTP: {kind}; "
            f"each server --workers={args.workers} "
            f"--max-cron-threads={args.cron_threads}"
        )
        rates = {}
        try:
            for count in args.servers:
                rates[count] = run(env, count, args, odoo_args, kind, server.id)
        finally:
            server.active = False
            env.cr.commit()
        if 1 in rates:
            for count, rate in rates.items():
                if count != 1:
                    print(f"speed-up N={count} / N=1: {rate / rates[1]:.2f}x")
        print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
