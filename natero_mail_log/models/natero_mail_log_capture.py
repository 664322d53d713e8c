# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The gateway capture of natero.mail.log (L1): recognise mail for a log
address, store it (state ``pending``) and wake the processing cron; nothing
else.  ``mail.thread.message_process`` calls ``_gateway_capture`` before Odoo's
router sees the mail.
"""

import base64
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from odoo import api, models
from odoo.tools import SQL

from ..tools import addresses, policy
from ..tools.headers import (
    VISIBLE_HEADERS,
    Headers,
    first_id,
    without_delivery_headers,
)
from .natero_mail_log_pipeline import clean

_logger = logging.getLogger(__name__)


@dataclass
class GatewayFacts:
    """Our log aliases and mail domains, as the gateway reads them."""

    logs: dict = field(default_factory=lambda: defaultdict(list))
    domains: set = field(default_factory=set)
    fixed: set = field(default_factory=set)


class NateroMailLogCapture(models.AbstractModel):
    """The gateway side of ``natero.mail.log``, which inherits it."""

    _name = "natero.mail.log.capture"
    _description = "Email log: gateway capture"

    @api.model
    def _natero_gateway_facts(self):
        """What the gateway needs to know of our addresses, in one query.

        ``logs``: {local part: [(full address, company id, incoming_local)]} of
        the log aliases; ``domains``: our alias domains plus Odoo's
        ``mail.catchall.domain.allowed``, the only domains on which a local part
        alone names one of our aliases; ``fixed``: the alias domains' catch-all
        and bounce addresses.  With no alias domain and no allowed domain at
        all, a local part is matched on any domain, as Odoo's router does.
        """
        facts = GatewayFacts()
        for kind, name, domain, company_id, local, bounce in self._natero_alias_rows():
            if kind == "log":
                full = f"{name}@{domain}" if domain else ""
                facts.logs[name].append((full, company_id, local))
                continue
            facts.domains.add(name)
            facts.fixed.update(f"{alias}@{name}" for alias in (domain, bounce) if alias)
        allowed = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("mail.catchall.domain.allowed")
        ) or ""
        facts.domains.update(
            addresses.normalize_domain(d) for d in allowed.split(",") if d.strip()
        )
        return facts

    @api.model
    def _natero_alias_rows(self):
        """The log aliases (kind 'log': local part, domain, company, incoming
        local) and the alias domains (kind 'domain': name, catch-all, bounce)."""
        self.env["res.company"].flush_model(["natero_log_alias_id", "active"])
        self.env["mail.alias"].flush_model(
            ["alias_name", "alias_domain_id", "alias_incoming_local"]
        )
        self.env["mail.alias.domain"].flush_model(
            ["name", "catchall_alias", "bounce_alias"]
        )
        return self.env.execute_query(
            SQL(
                """
                SELECT 'log', lower(a.alias_name), lower(coalesce(d.name, '')),
                       c.id, a.alias_incoming_local, NULL
                  FROM res_company c
                  JOIN mail_alias a ON a.id = c.natero_log_alias_id
             LEFT JOIN mail_alias_domain d ON d.id = a.alias_domain_id
                 WHERE c.active AND a.alias_name IS NOT NULL
             UNION ALL
                SELECT 'domain', lower(d.name), lower(coalesce(d.catchall_alias, '')),
                       NULL, NULL, lower(coalesce(d.bounce_alias, ''))
                  FROM mail_alias_domain d
                """
            )
        )

    @api.model
    def _natero_match_recipient(self, address, facts):
        """Return (company id, token) when ``address`` is one of our log addresses.

        The full address wins; the local part alone (an alias without domain,
        or Odoo's "local-part based incoming detection") only on one of our
        domains (``facts.domains``) and when it names one company's alias:
        ``log@`` of a customer's domain is not ours.
        """
        local, _at, domain = address.lower().partition("@")
        base, _plus, token = local.partition("+")
        candidates = facts.logs.get(base, ())
        for full, company_id, _local in candidates:
            if full and full == f"{base}@{domain}":
                return company_id, token
        if facts.domains and domain not in facts.domains:
            return None
        loose = [
            company_id
            for full, company_id, incoming_local in candidates
            if not full or incoming_local
        ]
        return (loose[0], token) if len(loose) == 1 else None

    @api.model
    def _natero_read_headers(self, raw):
        """The headers of ``raw`` (tools/headers.py), None when unreadable."""
        try:
            return Headers.from_bytes(raw)
        except Exception:  # recipients are then scanned from the raw bytes
            return None

    @api.model
    def _natero_recipients(self, headers, raw):
        """(envelope, visible) recipient addresses of a raw mail.

        Envelope: Delivered-To, X-Original-To, Envelope-To, X-Envelope-To,
        topmost first (the last delivery's recipient leads); visible: To, Cc,
        Resent-To, Resent-Cc.  An unreadable header section is scanned whole
        and counts as visible.
        """
        try:
            if headers is None:
                raise ValueError("unreadable header section")
            return headers.envelope(), list(headers.addresses(*VISIBLE_HEADERS))
        except Exception:  # malformed mail is still ours to keep
            return [], addresses.split(raw[:65536].decode("latin-1"))

    @api.model
    def _natero_is_log(self, address, facts):
        return bool(self._natero_match_recipient(address, facts))

    @api.model
    def _natero_other_destinations(self, envelope, visible, facts):
        """Odoo addresses other than log addresses that this copy is for.

        Visible recipients count when they are an alias of ours or an alias
        domain's catch-all or bounce address (a reply to a record goes to the
        catch-all); envelope recipients only when they are an alias (the
        catch-all address of a mailbox that carries every recipient is no
        destination of its own).  One query, only when some recipient is on
        one of our domains.
        """

        def ours(address):
            domain = address.rpartition("@")[2]
            return not self._natero_is_log(address, facts) and (
                not facts.domains or domain in facts.domains
            )

        visible = [a for a in visible if ours(a)]
        envelope = [a for a in envelope if ours(a)]
        found = [a for a in visible if a in facts.fixed]
        candidates = set(visible + envelope) - set(found)
        if not candidates:
            return found
        return found + self._natero_aliases_among(candidates)

    @api.model
    def _natero_aliases_among(self, candidates):
        """The addresses of ``candidates`` that are aliases of other models:
        by full address, or by local part where the alias accepts that."""
        log_model = self.env["ir.model"]._get_id("natero.mail.log")
        rows = self.env.execute_query(
            SQL(
                """
                SELECT lower(a.alias_full_name), lower(a.alias_name),
                       a.alias_incoming_local
                  FROM mail_alias a
                 WHERE a.alias_model_id != %s
                   AND (lower(a.alias_full_name) = ANY(%s)
                        OR (lower(a.alias_name) = ANY(%s) AND a.alias_incoming_local))
                """,
                log_model,
                list(candidates),
                [a.partition("@")[0] for a in candidates],
            )
        )
        full = {row[0] for row in rows}
        local = {row[1] for row in rows if row[2]}
        return [a for a in candidates if a in full or a.partition("@")[0] in local]

    @api.model
    def _gateway_capture(self, raw):
        """Store ``raw`` as a pending log when it is for a log address (L1).

        Returns (log, route): ``route`` says whether the same mail must also
        go to Odoo's router, because it names another Odoo address (an alias,
        a catch-all reply) that this copy is the delivery of:

        - a copy delivered to a log address (the topmost envelope recipient is
          one) is the log's own: with the Postfix pipe, each other recipient
          has its own delivery, which Odoo routes (issue 10 item 6);
        - any other copy (an alias's own delivery, or one copy carrying every
          recipient: IMAP catch-all, no envelope header) is routed when it
          names another Odoo address, and logged when it names a log address.

        A log address visible in To/Cc may reach us in several copies: the
        first stores it, the others find it (same Message-Id, company, sender
        and personal address) and store nothing.

        Runs inside the gateway's transaction and must never raise: a mail for
        us that we cannot read is still stored (state ``error``) with its raw.
        """
        facts = self._natero_gateway_facts()
        headers = self._natero_read_headers(raw)
        envelope, visible = self._natero_recipients(headers, raw)
        address, match = self._natero_log_recipient(envelope + visible, facts)
        if not match:
            return self.browse(), True
        route = self._natero_also_routed(envelope, visible, facts)
        company_id, token = match
        personal = self.env["res.users"]
        if token:
            personal = personal._natero_log_user_from_token(token)
        company = self.env["res.company"].browse(company_id)
        values = self._natero_capture_values(raw, headers, company, address)
        if any(self._natero_is_log(a, facts) for a in visible):
            log = self._natero_find_captured(raw, values, personal)
            if log:
                _logger.info(
                    "Email log: mail to %s already stored as log %s",
                    values["envelope_to"],
                    log.id,
                )
                return log, route
        return self._natero_store(values, token, personal), route

    @api.model
    def _natero_log_recipient(self, recipients, facts):
        """(address, (company id, token)) of the first of ``recipients`` that
        is one of our log addresses; (None, None) when none is."""
        for address in recipients:
            match = self._natero_match_recipient(address, facts)
            if match:
                return address, match
        return None, None

    @api.model
    def _natero_also_routed(self, envelope, visible, facts):
        """Whether Odoo's router must see this copy too: it is not the log's
        own delivery and names another Odoo address (see _gateway_capture)."""
        if envelope and self._natero_is_log(envelope[0], facts):
            return False
        return bool(self._natero_other_destinations(envelope, visible, facts))

    @api.model
    def _natero_store(self, values, token, personal):
        """Store the mail as a pending log and wake the cron; mail to an
        unknown (or rotated) personal address is stored rejected."""
        # sudo: the gateway user need not read logs; this only stores the mail.
        log = self.sudo().create(values)
        if token and not personal:
            log.write(
                {
                    "state": "rejected",
                    "reason": "unknown or rotated personal address "
                    f"{values['envelope_to']}",
                }
            )
        else:
            log.personal_user_id = personal
            log._natero_trigger_cron()
        _logger.info(
            "Email log: stored mail to %s as log %s (%s)",
            values["envelope_to"],
            log.id,
            log.state,
        )
        return log

    @api.model
    def _natero_find_captured(self, raw, values, personal):
        """The log already stored for this very mail and log address, if any:
        same Message-Id, company, sender and personal address, and the same
        mail once the delivery headers each copy gets are set aside."""
        if not values["message_id"]:
            return self.browse()
        # sudo: the gateway compares with what it stored itself.
        candidates = self.sudo().search(
            [
                ("message_id", "=", values["message_id"]),
                ("company_id", "=", values["company_id"]),
                ("sender_email", "=", values["sender_email"]),
                ("personal_user_id", "=", personal.id),
            ]
        )
        content = without_delivery_headers(raw)
        for log in candidates:
            raw_log = base64.b64decode(log.raw or b"")
            if without_delivery_headers(raw_log) == content:
                return log
        return self.browse()

    @api.model
    def _natero_capture_values(self, raw, headers, company, envelope):
        try:
            message_id = first_id(headers.first("message-id"))
            subject = (headers.first("subject") or "")[:512]
            sender = ",".join(headers.addresses("from"))
        except Exception:  # read what we can, process decides
            message_id, subject, sender = "", "", ""
        return {
            "raw": base64.b64encode(raw),
            "raw_size": len(raw),
            "message_id": clean(message_id, 998) or False,
            "subject": clean(subject, 512),
            "sender_email": clean(sender, 254) or False,
            "company_id": company.id,
            # A personal address's token is its owner's secret: never shown.
            "envelope_to": clean(policy.mask_token(envelope), 254),
        }
