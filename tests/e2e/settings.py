"""Names, ports and paths shared by setup/e2e, the config templates and the tests.

``setup/e2e`` exports the ``NATERO_E2E_*`` variables below; the defaults are the
ones it uses.  Ports 18469-18471 stay clear of the other test runs
(18069/18169/18269/18369).
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
    rate: float

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
        rate=float(env.get("NATERO_E2E_RATE") or 5),
    )
