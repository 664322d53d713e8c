"""Fixtures of the end-to-end suite.

The servers (Postfix, Dovecot, Odoo on a fresh database) are started by
``setup/e2e``, which exports ``NATERO_E2E_RUN=1`` and the ``NATERO_E2E_*``
settings (tests/e2e/settings.py).  Without them every test is skipped: run the
suite with ``setup/e2e``.

The data (alias domain, users, accounts, contacts, deals, the outgoing and the
incoming mail server) is created here through XML-RPC, as a client would.
"""

import os
import sys
import time
import xmlrpc.client
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import settings as e2e
from e2e_lib import Odoo, Smtp, wait_until

LATENCY_ACCOUNTS = 20
OUTSIDE_CRONS = (
    "crm_iap_enrich.ir_cron_lead_enrichment",
    "partner_autocomplete.ir_cron_partner_autocomplete",
)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("NATERO_E2E_RUN") != "1":
        skip = pytest.mark.skip(
            reason="the e2e suite needs the servers setup/e2e starts: run setup/e2e"
        )
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def cfg():
    return e2e.from_env()


@pytest.fixture(scope="session")
def odoo(cfg):
    common = xmlrpc.client.ServerProxy(f"{cfg.odoo_url}/xmlrpc/2/common")

    def ready():
        try:
            return common.version()
        except OSError:
            return False

    wait_until(ready, 120, "Odoo's HTTP server", interval=0.5)
    return Odoo(cfg.odoo_url, cfg.db, cfg.odoo_password)


@pytest.fixture
def smtp(cfg):
    client = Smtp(cfg.smtp_port)
    yield client
    client.close()


def _user(odoo, name, email, groups):
    # the field is groups_id on 18.0, group_ids on 19.0
    fields = odoo.call("res.users", "fields_get", ["group_ids"], attributes=["type"])
    return odoo.create(
        "res.users",
        {
            "name": name,
            "login": email,
            "email": email,
            "tz": "Europe/Brussels",
            "group_ids" if fields else "groups_id": [(6, 0, groups)],
        },
        context={"no_reset_password": True},
    )


def _account(odoo, name, contact_name, email, deal=True):
    account = odoo.create("res.partner", {"name": name, "is_company": True})
    contact = odoo.create(
        "res.partner", {"name": contact_name, "email": email, "parent_id": account}
    )
    lead = False
    if deal:
        lead = odoo.create(
            "crm.lead",
            {"name": f"{name} deal", "type": "opportunity", "partner_id": contact},
        )
    return SimpleNamespace(account=account, contact=contact, lead=lead, email=email)


@pytest.fixture(scope="session")
def world(cfg, odoo):
    """Company settings, users, accounts with contacts and deals, mail servers."""
    started = time.monotonic()
    # No calls to Odoo's online services (the machine is offline): the crons of
    # auto-installed IAP modules would keep a cron worker busy failing.
    for key, value in (
        ("crm.iap.lead.enrich.setting", "manual"),
        ("iap.endpoint", "http://127.0.0.1:9"),
        ("web.base.url", cfg.odoo_url),
        ("web.base.url.freeze", "True"),
        # The IMAP mailbox is of another domain than the alias domain: like
        # Odoo's router, the log address is recognised there by its local part
        # only once the admin allows that domain (README, configuration).
        ("mail.catchall.domain.allowed", e2e.INBOX_DOMAIN),
    ):
        odoo.call("ir.config_parameter", "set_param", key, value)
    for xmlid in OUTSIDE_CRONS:
        try:
            odoo.write("ir.cron", [odoo.ref(xmlid)], {"active": False})
        except KeyError:  # module not installed
            pass
    alias_domain = odoo.create("mail.alias.domain", {"name": e2e.ALIAS_DOMAIN})
    company = odoo.search_read("res.company", [], ["id"], limit=1)[0]["id"]
    odoo.write(
        "res.company",
        [company],
        {
            "alias_domain_id": alias_domain,
            "email": f"info@{e2e.SALES_DOMAIN}",
            "natero_log_internal_domains": e2e.SALES_DOMAIN,
        },
    )
    odoo.write("res.users", [odoo.uid], {"email": f"admin@{e2e.SALES_DOMAIN}"})
    log_alias = odoo.search_read(
        "res.company", [("id", "=", company)], ["natero_log_alias_id"]
    )[0]["natero_log_alias_id"][0]
    log_address = odoo.search_read(
        "mail.alias", [("id", "=", log_alias)], ["alias_full_name"]
    )[0]["alias_full_name"]
    assert log_address == f"log@{e2e.ALIAS_DOMAIN}", log_address
    salesman = odoo.ref("sales_team.group_sale_salesman")
    alice = _user(odoo, "Alice Seller", f"alice@{e2e.SALES_DOMAIN}", [salesman])
    bob = _user(odoo, "Bob Seller", f"bob@{e2e.SALES_DOMAIN}", [salesman])
    bob_address = odoo.search_read(
        "res.users", [("id", "=", bob)], ["natero_log_address"]
    )[0]["natero_log_address"]
    assert bob_address.startswith("log+") and bob_address.endswith(
        f"@{e2e.ALIAS_DOMAIN}"
    ), bob_address
    accounts = {
        "acme": _account(odoo, "Acme", "Ann Acme", "ann@acme.example"),
        "globex": _account(odoo, "Globex", "Gus Globex", "gus@globex.example"),
        "initech": _account(odoo, "Initech", "Ivy Initech", "ivy@initech.example"),
        "imap": _account(odoo, "Imapco", "Ian Imapco", "ian@imapco.example"),
    }
    latency = [
        _account(odoo, f"Account {n}", f"Contact {n}", f"c{n}@account{n}.example")
        for n in range(LATENCY_ACCOUNTS)
    ]
    mail_server = odoo.create(
        "ir.mail_server",
        {
            "name": "e2e Postfix",
            "smtp_host": "127.0.0.1",
            "smtp_port": cfg.smtp_port,
            "smtp_encryption": "none",
            # Without a from_filter covering the trigger's From domain, Odoo
            # sends as notifications@<alias domain> instead (_find_mail_server).
            "from_filter": f"{e2e.SALES_DOMAIN},{e2e.ALIAS_DOMAIN}",
        },
    )
    fetchmail = odoo.create(
        "fetchmail.server",
        {
            "name": "e2e Dovecot",
            "server_type": "imap",
            "server": "127.0.0.1",
            "port": cfg.imap_port,
            "is_ssl": False,
            "user": "odoo-inbox",
            "password": cfg.imap_password,
        },
    )
    odoo.call("fetchmail.server", "button_confirm_login", [fetchmail])
    print(f"\ne2e data created through XML-RPC in {time.monotonic() - started:.1f} s")
    return SimpleNamespace(
        company=company,
        alias_domain=alias_domain,
        log_address=log_address,
        alice=alice,
        alice_email=f"alice@{e2e.SALES_DOMAIN}",
        bob=bob,
        bob_email=f"bob@{e2e.SALES_DOMAIN}",
        bob_address=bob_address,
        accounts=accounts,
        latency=latency,
        mail_server=mail_server,
        fetchmail=fetchmail,
    )
