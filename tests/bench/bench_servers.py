"""Benchmark: several Odoo servers on one database (issue 14, item 1).

    setup/bench servers [--scenario log] [--servers 1,2] [--emails 20000]

For each N of ``--servers``, N real Odoo server processes (``odoo-bin
--workers=W --max-cron-threads=C``, each with its own cron workers) serve one
copy of a prepared database, the work is started, and the script waits until
the database says it is done.  It prints the rate for each N, the speed-up
against the first N, and the counts that must be 0, read from the database.

A scenario is a class of ``SCENARIOS`` (below) with:

- ``name``, ``modules`` (installed in the template database), ``unit``;
- ``add_arguments(parser)``: its own options;
- ``prepare(env, args)``: run once, inside Odoo, on the template database
  (``python bench_servers.py prepare``): make the data and the backlog, and
  leave the work stopped (its crons inactive), so that nothing runs while the
  servers boot;
- ``start(cr, args)``: on a psycopg2 cursor of the run's copy, start the work
  (activate the crons, ``nextcall`` now); the script commits and wakes the
  cron workers (``pg_notify('cron_trigger', db)``, as Odoo does);
- ``remaining(cr)``: how much is left (0 = done);
- ``tally(cr, args)``: ``(done, counts)``: the units done and an ordered dict
  of named counts that must all be 0 (duplicates, pending, missing...).

The "log" scenario: a backlog of received emails stored as pending
``natero.mail.log`` rows through the real gateway capture
(``mail.thread.message_process``), drained by the processing crons' lanes.
"""

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg2

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

LOG_LANE_CRONS = [
    "ir_cron_natero_mail_log_process",
    "ir_cron_natero_mail_log_process_lane_1",
    "ir_cron_natero_mail_log_process_lane_2",
    "ir_cron_natero_mail_log_process_lane_3",
]


def cron_ids(cr, module, names):
    cr.execute(
        "SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' "
        "AND module = %s AND name = ANY(%s)",
        [module, list(names)],
    )
    return [row[0] for row in cr.fetchall()]


def start_crons(cr, ids):
    """Activate the crons ``ids`` and make them due now."""
    cr.execute(
        "UPDATE ir_cron SET active = true, "
        "nextcall = now() at time zone 'UTC' WHERE id = ANY(%s)",
        [ids],
    )


class LogScenario:
    """A backlog of received emails, drained by the processing crons."""

    name = "log"
    modules = "crm,natero_mail_log"
    unit = "emails"

    @staticmethod
    def add_arguments(parser):
        parser.add_argument("--emails", type=int, default=20_000)

    @staticmethod
    def prepare(env, args):
        from bench_mail_log import make_emails, populate, setup_users

        populate(env)
        setup_users(env)
        Log = env["natero.mail.log"]
        if Log.search_count([]) >= args.emails:
            print(f"template: backlog of {Log.search_count([])} emails already stored")
        else:
            alias = env.company.natero_log_alias_id
            address = alias.alias_full_name or f"{alias.alias_name}@vendor.example"
            emails = make_emails(address, "servers", args.emails, seed=14)
            started = time.monotonic()
            thread = env["mail.thread"]
            for n, raw in enumerate(emails, 1):
                thread.message_process(False, raw)
                if n % 1000 == 0:
                    env.cr.commit()
                    print(f"  stored {n} emails through the gateway", flush=True)
            env.cr.commit()
            seconds = time.monotonic() - started
            print(
                f"template: {len(emails)} emails stored as pending logs through the "
                f"gateway capture in {seconds:.0f} s ({len(emails) / seconds:.0f}/s)"
            )
        # Nothing runs before the servers are up: the lanes stay off until start.
        ids = cron_ids(env.cr, "natero_mail_log", LOG_LANE_CRONS)
        env.cr.execute("UPDATE ir_cron SET active = false WHERE id = ANY(%s)", [ids])
        env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = ANY(%s)", [ids])
        env.cr.commit()

    @staticmethod
    def start(cr, args):
        start_crons(cr, cron_ids(cr, "natero_mail_log", LOG_LANE_CRONS))

    @staticmethod
    def remaining(cr):
        cr.execute("SELECT count(*) FROM natero_mail_log WHERE state = 'pending'")
        return cr.fetchone()[0]

    @staticmethod
    def tally(cr, args):
        cr.execute("SELECT state, count(*) FROM natero_mail_log GROUP BY state")
        states = dict(cr.fetchall())
        # a message logged twice on the same record (the same email: its
        # dedupe key, Message-ID or content hash)
        cr.execute(
            """SELECT count(*) FROM (
                   SELECT 1 FROM mail_message WHERE natero_log_id IS NOT NULL
                   GROUP BY natero_log_key, model, res_id HAVING count(*) > 1) d"""
        )
        duplicates = cr.fetchone()[0]
        # an email stored twice, or processed by two workers
        cr.execute(
            "SELECT count(*) FROM natero_mail_log WHERE attempts > 1 OR state = 'error'"
        )
        retried = cr.fetchone()[0]
        cr.execute("SELECT count(DISTINCT message_id) FROM natero_mail_log")
        distinct = cr.fetchone()[0]
        done = sum(n for state, n in states.items() if state != "pending")
        counts = {
            "duplicates": duplicates,
            "pending": states.get("pending", 0),
            "missing": max(0, args.emails - distinct),
            "processed twice or failed": retried,
        }
        info = ", ".join(f"{state} {n}" for state, n in sorted(states.items()))
        return done, counts, info


SCENARIOS = {cls.name: cls for cls in (LogScenario,)}


# ---------------------------------------------------------------------------
# the servers
# ---------------------------------------------------------------------------


class Servers:
    """N odoo-bin processes on one database, stopped on exit."""

    def __init__(self, args, db, count):
        self.args, self.db, self.count = args, db, count
        self.procs = []
        self.logdir = Path(args.state) / "bench-servers"
        self.logdir.mkdir(parents=True, exist_ok=True)

    def port(self, k):
        return self.args.port_base + 1 + 2 * k

    def command(self, k):
        a = self.args
        return [
            sys.executable,
            a.odoo_bin,
            *a.odoo_args,
            "-d",
            self.db,
            f"--db-filter=^{self.db}$",
            "--no-database-list",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port(k)}",
            f"--gevent-port={self.port(k) + 1}",
            f"--workers={a.workers}",
            f"--max-cron-threads={a.cron_threads}",
            # a cron run of 10 batches of 200 emails takes tens of seconds
            "--limit-time-cpu=1800",
            "--limit-time-real=3600",
            f"--logfile={self.logdir / f'server-{self.count}-{k}.log'}",
        ]

    def __enter__(self):
        for k in range(self.count):
            self.procs.append(
                subprocess.Popen(
                    self.command(k),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        for k in range(self.count):
            self.wait_up(k)
        return self

    def wait_up(self, k, timeout=120):
        url = f"http://127.0.0.1:{self.port(k)}/web/health"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.procs[k].poll() is not None:
                raise RuntimeError(f"server {k} exited, see {self.logdir}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"server {k} did not answer on {url}")

    def __exit__(self, *exc):
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def connect(args, db):
    conn = psycopg2.connect(
        dbname=db, host=args.db_host, port=args.db_port, user=args.db_user
    )
    conn.autocommit = True
    return conn


def copy_database(args, template, target):
    with contextlib.closing(connect(args, "postgres")) as conn, conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cr.execute(f'CREATE DATABASE "{target}" TEMPLATE "{template}"')
    filestore = Path(args.data_dir) / "filestore"
    shutil.rmtree(filestore / target, ignore_errors=True)
    if (filestore / template).is_dir():
        # attachments are never rewritten in place: hard links are a copy
        shutil.copytree(filestore / template, filestore / target, copy_function=os.link)


def drop_database(args, db):
    with contextlib.closing(connect(args, "postgres")) as conn, conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    shutil.rmtree(Path(args.data_dir) / "filestore" / db, ignore_errors=True)


def run_once(args, scenario, count):
    db = f"{args.database}_run{count}"
    copy_database(args, args.database, db)
    try:
        with Servers(args, db, count):
            conn = connect(args, db)
            cr = conn.cursor()
            total = scenario.remaining(cr)
            conn.autocommit = False
            scenario.start(cr, args)
            conn.commit()
            conn.autocommit = True
            started = time.monotonic()
            with contextlib.closing(connect(args, "postgres")) as wake:
                wcr = wake.cursor()
                wcr.execute("SELECT pg_notify('cron_trigger', %s)", [db])
            last_print = started
            while (left := scenario.remaining(cr)) and (
                time.monotonic() - started < args.timeout
            ):
                time.sleep(0.5)
                if time.monotonic() - last_print > 30:
                    last_print = time.monotonic()
                    print(f"  {count} server(s): {left} left", flush=True)
            seconds = time.monotonic() - started
            done, counts, info = scenario.tally(cr, args)
            conn.close()
    finally:
        if not args.keep:
            drop_database(args, db)
    return total, seconds, done, counts, info


def load_average():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def user_arguments(parser):
    """The options of ``setup/bench servers``, the scenarios' included."""
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="log")
    parser.add_argument("--servers", default="1,2", help="comma-separated N")
    parser.add_argument("--workers", type=int, default=2, help="--workers per server")
    parser.add_argument(
        "--cron-threads", type=int, default=1, help="--max-cron-threads per server"
    )
    parser.add_argument("--port-base", type=int, default=18400)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--keep", action="store_true", help="keep the run databases")
    for cls in SCENARIOS.values():
        cls.add_arguments(parser)


def main_run(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    user_arguments(parser)
    parser.add_argument("-d", "--database", required=True, help="template database")
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--db_host", default="127.0.0.1")
    parser.add_argument("--db_port", default="5432")
    parser.add_argument("--db_user", default=None)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--state", required=True)
    args, odoo_args = parser.parse_known_args(argv)
    args.odoo_args = [
        *odoo_args,
        f"--db_host={args.db_host}",
        f"--db_port={args.db_port}",
        f"--data-dir={args.data_dir}",
        *([f"--db_user={args.db_user}"] if args.db_user else []),
    ]
    scenario = SCENARIOS[args.scenario]
    counts_n = [int(n) for n in args.servers.split(",")]
    print(
        f"scenario {scenario.name}: {len(counts_n)} runs ({args.servers} servers), "
        f"each server --workers={args.workers} "
        f"--max-cron-threads={args.cron_threads}; nproc {os.cpu_count()}, "
        f"load average {load_average()}",
        flush=True,
    )
    results = {}
    for count in counts_n:
        total, seconds, done, counts, info = run_once(args, scenario, count)
        rate = done / seconds if seconds else 0.0
        results[count] = rate
        figures = ", ".join(f"{name} {n}" for name, n in counts.items())
        print(
            f"SERVERS {count}: {done} of {total} {scenario.unit} in {seconds:.1f} s = "
            f"{rate:.1f} {scenario.unit}/s; {figures} ({info}); "
            f"load average {load_average()}",
            flush=True,
        )
    first = counts_n[0]
    for count in counts_n[1:]:
        print(
            f"speed-up {count} servers / {first}: "
            f"{results[count] / results[first]:.2f}x (nproc {os.cpu_count()})"
        )


def main_prepare(argv):
    from _bench import odoo_env

    parser = argparse.ArgumentParser(description="prepare the template database")
    user_arguments(parser)
    with odoo_env(parser) as (args, env):
        SCENARIOS[args.scenario].prepare(env, args)


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"]:
        del sys.argv[1]  # odoo_env parses sys.argv
        main_prepare(sys.argv[1:])
    else:
        main_run(sys.argv[1:])
