"""Names, ports and paths shared by setup/e2e, the config templates and the tests.

``setup/e2e`` exports the ``NATERO_E2E_*`` variables below; the defaults are the
ones it uses.  Ports 18469-18475 stay clear of the other test runs
(18069/18169/18269/18369).  ``NATERO_E2E_RATES``: the latency test's burst
rates, emails per second (default "40,100"), ``NATERO_E2E_EMAILS`` emails each.
"""

import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

BASE_DOMAIN = "e2e.test"
ALIAS_DOMAIN = "crm.e2e.test"  # Odoo's alias domain: piped to odoo-mailgate.py
INBOX_DOMAIN = "inbox.e2e.test"  # a mailbox fetched by Odoo over IMAP
CUSTOMERS_DOMAIN = "customers.e2e.test"  # mailboxes of trigger recipients
SALES_DOMAIN = "sales.e2e.test"  # the users' own (internal) domain
TEAM_DOMAIN = "team.e2e.test"  # mailboxes of trigger owners (replies forwarded)


@dataclass(frozen=True)
class Settings:
    state: Path
    db: str
    odoo_port: int
    smtp_port: int
    imap_port: int
    odoo_password: str
    imap_password: str
    emails: int
    rates: tuple
    sink_port: int  # the fault tests' own SMTP server
    pg_port: int  # the suite's private PostgreSQL cluster
    pg_bin: Path | None
    pg_data: Path | None
    odoo_start: Path | None  # the command that starts Odoo (setup/e2e)
    odoo_pid: Path | None
    delivery: str  # how Postfix hands mail to Odoo: "pipe" or "lmtp"
    lmtp_port: int

    @property
    def odoo_url(self):
        return f"http://127.0.0.1:{self.odoo_port}"


def from_env(env=None):
    env = os.environ if env is None else env
    return Settings(
        state=Path(env.get("NATERO_E2E_STATE") or REPO / ".state" / "e2e"),
        db=env.get("NATERO_E2E_DB") or "natero_e2e",
        odoo_port=int(env.get("NATERO_E2E_ODOO_PORT") or 18469),
        smtp_port=int(env.get("NATERO_E2E_SMTP_PORT") or 18470),
        imap_port=int(env.get("NATERO_E2E_IMAP_PORT") or 18471),
        odoo_password=env.get("NATERO_E2E_ODOO_PASSWORD") or "admin",
        imap_password=env.get("NATERO_E2E_IMAP_PASSWORD") or "e2e-imap",
        emails=int(env.get("NATERO_E2E_EMAILS") or 200),
        rates=tuple(
            float(rate)
            for rate in (env.get("NATERO_E2E_RATES") or "40,100").split(",")
            if rate.strip()
        ),
        sink_port=int(env.get("NATERO_E2E_SINK_PORT") or 18473),
        pg_port=int(env.get("NATERO_E2E_PG_PORT") or 18474),
        pg_bin=_path(env.get("NATERO_E2E_PG_BIN")),
        pg_data=_path(env.get("NATERO_E2E_PG_DATA")),
        odoo_start=_path(env.get("NATERO_E2E_ODOO_START")),
        odoo_pid=_path(env.get("NATERO_E2E_ODOO_PID")),
        delivery=env.get("NATERO_E2E_DELIVERY") or "lmtp",
        lmtp_port=int(env.get("NATERO_E2E_LMTP_PORT") or 18475),
    )


def _path(value):
    return Path(value) if value else None
