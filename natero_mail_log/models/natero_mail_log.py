# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One inbound email sent to a log address, and the pipeline that logs it.

The gateway only stores the raw mail (state ``pending``) and triggers the cron;
the cron takes pending rows in batches (``FOR UPDATE SKIP LOCKED``) and runs
the steps below, each one a batch over the whole set of logs:

    parse -> noise -> sender -> limits -> participants -> contacts -> targets -> post

A step that decides a log's fate sets ``job.decision``; later steps skip it.
"""

import base64
import functools
import logging
import traceback
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timezone
from email import policy as email_policy
from email.parser import BytesHeaderParser
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg2.errors
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import addresses, authres, policy
from ..tools import parse as mail_parse

_logger = logging.getLogger(__name__)

LOG_STATES = [
    ("pending", "Pending"),
    ("logged", "Logged"),
    ("unassigned", "Unassigned"),
    ("rejected", "Rejected"),
    ("ignored", "Ignored"),
    ("error", "Error"),
]
KINDS = [("bcc", "BCC"), ("forward", "Forward"), ("manual", "Manual")]
ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
VISIBLE_HEADERS = ("To", "Cc", "Resent-To", "Resent-Cc")
TRACE_HEADERS = {
    b"return-path",
    b"delivered-to",
    b"x-original-to",
    b"envelope-to",
    b"x-envelope-to",
    b"received",
    b"authentication-results",
}
PUBLIC_SUFFIX_LIST = Path("/usr/share/publicsuffix/public_suffix_list.dat")
BATCH_SIZE = 200
MAX_ATTEMPTS = 3


@functools.cache
def public_suffix_rules():
    """The system's Public Suffix List (Debian/Ubuntu package ``publicsuffix``),
    for relaxed DMARC alignment; None without one (see tools/authres.py)."""
    try:
        return authres.load_suffix_rules(PUBLIC_SUFFIX_LIST.read_text("utf-8"))
    except OSError:
        return None


def delivered_content(raw):
    """``raw`` without the header lines each delivery adds on top (envelope
    and trace headers): what two deliveries of one mail have in common."""
    lines = raw.split(b"\n")
    index, skipping = 0, False
    for index, line in enumerate(lines):  # noqa: B007 (index used below)
        if line[:1] in (b" ", b"\t") and skipping:
            continue
        name = line.partition(b":")[0].strip().lower()
        skipping = name in TRACE_HEADERS
        if not skipping:
            break
    return b"\n".join(lines[index:])


def clean(text, size=None):
    """Text PostgreSQL accepts: no NUL character, at most ``size`` characters."""
    text = (text or "").replace("\x00", "")
    return text[:size] if size else text


@dataclass
class GatewayFacts:
    """Our log aliases and mail domains, as the gateway reads them."""

    logs: dict = field(default_factory=lambda: defaultdict(list))
    domains: set = field(default_factory=set)
    fixed: set = field(default_factory=set)


@dataclass(eq=False)
class Job:
    """What the pipeline knows of one log while it runs."""

    log: models.BaseModel
    raw: bytes = b""
    parsed: object = None
    decision: object = None
    user: object = None
    rule: str = ""
    participants: list = field(default_factory=list)
    contacts: dict = field(default_factory=dict)  # address -> res.partner
    accounts: object = None
    leads: object = None
    attachments: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    colleagues: frozenset = frozenset()  # users' addresses among the batch's
    body: object = None


class NateroMailLog(models.Model):
    _name = "natero.mail.log"
    _inherit = ["mail.thread"]
    _description = "Logged email"
    _order = "id desc"
    _rec_name = "subject"
    _mail_post_access = "read"

    message_id = fields.Char(string="Message-ID", readonly=True, index=True)
    dedupe_key = fields.Char(readonly=True, index=True)
    subject = fields.Char(readonly=True)
    date = fields.Datetime(string="Sent on", readonly=True)
    kind = fields.Selection(KINDS, readonly=True)
    state = fields.Selection(
        LOG_STATES, default="pending", required=True, readonly=True, index=True
    )
    reason = fields.Text(readonly=True)
    sender_email = fields.Char(string="Sender", readonly=True, index=True)
    original_from = fields.Char(string="Original sender", readonly=True)
    envelope_to = fields.Char(string="Received at", readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Attributed user", readonly=True, index=True
    )
    attribution_rule = fields.Char(readonly=True)
    personal_user_id = fields.Many2one(
        "res.users", string="Personal address of", readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    partner_ids = fields.Many2many(
        "res.partner", string="Contacts and accounts", readonly=True
    )
    lead_ids = fields.Many2many("crm.lead", string="Deals", readonly=True)
    logged_message_ids = fields.One2many(
        "mail.message", "natero_log_id", string="Logged messages", readonly=True
    )
    logged_count = fields.Integer(compute="_compute_logged_count")
    forward_unparsed = fields.Boolean(
        string="Forward not recognised",
        readonly=True,
        help="The email looked forwarded but no forwarded block could be read: "
        "it was associated by its own headers.",
    )
    # The raw mail holds personal tokens (Delivered-To): administrators only,
    # like the tokens themselves (res.users.natero_log_token).
    raw = fields.Binary(
        string="Raw email", attachment=True, readonly=True, groups="base.group_system"
    )
    raw_size = fields.Integer(readonly=True)
    attempts = fields.Integer(readonly=True, default=0)
    processed_at = fields.Datetime(readonly=True)

    def _compute_logged_count(self):
        counts = dict(
            self.env["mail.message"]._read_group(
                [("natero_log_id", "in", self.ids)], ["natero_log_id"], ["__count"]
            )
        )
        for log in self:
            log.logged_count = counts.get(log, 0)

    # ------------------------------------------------------------------
    # Gateway (L1): recognise mail for a log address, store it, nothing else
    # ------------------------------------------------------------------

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
        self.env["res.company"].flush_model(["natero_log_alias_id", "active"])
        self.env["mail.alias"].flush_model(
            ["alias_name", "alias_domain_id", "alias_incoming_local"]
        )
        self.env["mail.alias.domain"].flush_model(
            ["name", "catchall_alias", "bounce_alias"]
        )
        rows = self.env.execute_query(
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
        facts = GatewayFacts()
        for kind, name, domain, company_id, local, bounce in rows:
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
        )
        facts.domains.update(
            d.strip().lower() for d in (allowed or "").split(",") if d.strip()
        )
        return facts

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
        try:
            return BytesHeaderParser(policy=email_policy.default).parsebytes(raw)
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
            values = [
                str(v) for h in ENVELOPE_HEADERS for v in headers.get_all(h) or ()
            ]
            # An envelope header holds one address, written by our MTA: read
            # it whole too, whatever characters a crafted "+token" part holds.
            envelope = list(
                dict.fromkeys(
                    [a for v in values if (a := self._natero_bare_address(v))]
                    + addresses.split(", ".join(values))
                )
            )
            visible = addresses.split(
                ", ".join(
                    str(v) for h in VISIBLE_HEADERS for v in headers.get_all(h) or ()
                )
            )
        except Exception:  # malformed mail is still ours to keep
            return [], addresses.split(raw[:65536].decode("latin-1"))
        return envelope, visible

    @api.model
    def _natero_bare_address(self, value):
        """``value`` as one address (``<a@b>`` or ``a@b``), or ''."""
        value = value.strip().removeprefix("<").removesuffix(">").strip().lower()
        local, at, domain = value.rpartition("@")
        if not (local and at and domain) or any(c.isspace() for c in value):
            return ""
        return value

    @api.model
    def _natero_other_destinations(self, envelope, visible, facts, is_log):
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
            return not is_log(address) and (
                not facts.domains or domain in facts.domains
            )

        visible = [a for a in visible if ours(a)]
        envelope = [a for a in envelope if ours(a)]
        found = [a for a in visible if a in facts.fixed]
        candidates = set(visible + envelope) - set(found)
        if not candidates:
            return found
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
        return found + [
            a for a in candidates if a in full or a.partition("@")[0] in local
        ]

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
        match = envelope_address = None
        for address in envelope + visible:
            match = self._natero_match_recipient(address, facts)
            if match:
                envelope_address = address
                break
        if not match:
            return self.browse(), True

        def is_log(address):
            return bool(self._natero_match_recipient(address, facts))

        route = False
        if not (envelope and is_log(envelope[0])):
            route = bool(
                self._natero_other_destinations(envelope, visible, facts, is_log)
            )
        company_id, token = match
        company = self.env["res.company"].browse(company_id)
        personal = self.env["res.users"]
        if token:
            personal = self.env["res.users"]._natero_log_user_from_token(token)
        values = self._natero_capture_values(raw, headers, company, envelope_address)
        if any(is_log(a) for a in visible):
            log = self._natero_find_captured(raw, values, personal)
            if log:
                _logger.info(
                    "Email log: mail to %s already stored as log %s",
                    values["envelope_to"],
                    log.id,
                )
                return log, route
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
            self._natero_trigger_cron()
        _logger.info(
            "Email log: stored mail to %s as log %s (%s)",
            values["envelope_to"],
            log.id,
            log.state,
        )
        return log, route

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
        content = delivered_content(raw)
        for log in candidates:
            if delivered_content(base64.b64decode(log.raw or b"")) == content:
                return log
        return self.browse()

    @api.model
    def _natero_trigger_cron(self):
        """Wake the processing cron, once per transaction."""
        data = self.env.cr.precommit.data
        if not data.get("natero_mail_log.triggered"):
            data["natero_mail_log.triggered"] = True
            self.env.ref("natero_mail_log.ir_cron_natero_mail_log_process")._trigger()

    @api.model
    def _natero_capture_values(self, raw, headers, company, envelope):
        try:
            message_id = str(headers.get("Message-Id") or "").strip().strip("<>")
            subject = str(headers.get("Subject") or "")[:512]
            sender = ",".join(addresses.split(str(headers.get("From") or "")))
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

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """Odoo's router reached a log alias: the capture missed this mail.

        ``message_process`` stores every mail for a log address before routing,
        so this only happens through other entry points; keep a trace in error
        rather than a log without its raw mail.
        """
        values = dict(custom_values or {})
        values.update(
            state="error",
            reason="reached through Odoo's router without its raw mail: "
            "deliver mail for log addresses through message_process",
            subject=clean(msg_dict.get("subject"), 512),
            sender_email=clean(msg_dict.get("email_from"), 254) or False,
            message_id=clean(msg_dict.get("message_id"), 998) or False,
        )
        values.setdefault("company_id", self.env.company.id)
        return super(
            NateroMailLog, self.with_context(mail_create_nolog=True)
        ).message_new(msg_dict, values)

    # ------------------------------------------------------------------
    # Cron entry points
    # ------------------------------------------------------------------

    @api.model
    def _cron_process_pending(self, batch_size=BATCH_SIZE):
        """Process one batch of pending logs; ir.cron re-runs while some remain."""
        logs = self._natero_lock_pending(batch_size)
        logs._natero_process()
        remaining = self.search_count([("state", "=", "pending")])
        self.env["ir.cron"]._notify_progress(done=len(logs), remaining=remaining)
        _logger.info("Email log: processed %s logs, %s pending", len(logs), remaining)

    @api.model
    def _process_pending(self, batch_size=BATCH_SIZE):
        """Process every pending log now (tests, scripts); return them.

        A log left pending on purpose (a concurrent duplicate) waits for a
        later run: it is not taken twice here.
        """
        done = self.browse()
        while logs := self._natero_lock_pending(batch_size, exclude=done.ids):
            logs._natero_process()
            done |= logs
        return done

    @api.model
    def _natero_lock_pending(self, limit, exclude=()):
        """Take up to ``limit`` pending logs no other worker holds."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM natero_mail_log WHERE state = 'pending' "
                "AND NOT id = ANY(%s) ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                list(exclude),
                limit,
            )
        )
        # sudo: processing is the engine's work (the cron, or a checked retry).
        return self.sudo().browse([row[0] for row in self.env.cr.fetchall()])

    def action_retry(self):
        """Reprocess logs (error, rejected, ...): a no-op where already logged."""
        self.check_access("write")
        # sudo: processing writes on many models; access checked just above.
        logs = self.sudo().filtered(lambda log: log.state != "pending")
        logs.write({"state": "pending", "reason": False})
        logs._natero_process()
        return True

    def action_view_logged_messages(self):
        self.ensure_one()
        return self.env["mail.message"]._natero_log_action(
            [("natero_log_id", "=", self.id)], self.subject or ""
        )

    def action_open_link_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Link email"),
            "res_model": "natero.mail.log.link",
            "view_mode": "form",
            "target": "new",
            "context": {"active_id": self.id},
        }

    def _natero_link(self, partners, leads):
        """Log this email on records picked by hand (L6), as L3 posts it."""
        self.ensure_one()
        self.check_access("read")
        if not (
            self.user_id == self.env.user
            or self.env.user.has_group("natero_mail_log.group_natero_mail_log_manager")
        ):
            raise AccessError(self.env._("Only its sender or a manager can link it."))
        # The user must be allowed to post on every record they log on: the
        # access Odoo's message_post requires of them (write, or the model's
        # _mail_post_access), not merely to read it.
        for records in (partners, leads):
            records.check_access(
                records._get_mail_message_access(records.ids, "create")
            )
        # sudo: posting on the picked records as the gateway does; access to the
        # log and to the picked records was checked just above.
        log = self.sudo()
        job = Job(log)
        log._natero_step_parse([job])
        if job.decision:
            raise UserError(job.decision.reason)
        job.user = log.user_id or self.env.user
        job.rule = log.attribution_rule or "manual"
        job.contacts = {p.email_normalized or str(p.id): p for p in partners}
        job.accounts = self.env["res.partner"]
        job.leads = leads
        job.attachments = list(job.parsed.attachments)
        log._natero_step_post([job])
        log._natero_finish([job])
        log.kind = "manual"

    # ------------------------------------------------------------------
    # The pipeline
    # ------------------------------------------------------------------

    def _natero_process(self):
        """Run the pipeline over ``self``; a failure isolates the faulty log."""
        if not self:
            return
        try:
            with self.env.cr.savepoint():
                self._natero_run([Job(log) for log in self])
        except Exception:
            _logger.warning(
                "Email log: batch failed, retrying log by log", exc_info=True
            )
            for log in self:
                log._natero_process_alone()

    def _natero_process_alone(self):
        try:
            with self.env.cr.savepoint():
                self._natero_run([Job(self)])
        except psycopg2.errors.UniqueViolation:
            # Another worker logged the same email on the same record and
            # committed after our snapshot was taken: a later run, in a new
            # transaction, sees it and records this one as a duplicate (L8).
            if self.attempts < MAX_ATTEMPTS:
                _logger.info("Email log: log %s met a concurrent duplicate", self.id)
                self.attempts += 1
                self._natero_trigger_cron()
                return
            self._natero_fail("a concurrent duplicate kept colliding")
        except Exception as exc:
            _logger.exception("Email log: log %s failed", self.id)
            self._natero_fail(
                f"{type(exc).__name__}: {exc}\n" + traceback.format_exc(limit=3)
            )

    def _natero_fail(self, reason):
        self.write(
            {
                "state": "error",
                "reason": clean(reason),
                "processed_at": fields.Datetime.now(),
                "attempts": self.attempts + 1,
            }
        )

    def _natero_run(self, jobs):
        # Our own addresses are needed by several steps: read them once.
        self = self.with_context(natero_own_addresses=self._natero_own_addresses())
        for step in self._natero_steps():
            live = [job for job in jobs if job.decision is None]
            if not live:
                break
            step(live)
        self._natero_finish(jobs)

    def _natero_steps(self):
        """The pipeline, in order; override to add or replace a step."""
        return [
            self._natero_step_parse,
            self._natero_step_noise,
            self._natero_step_sender,
            self._natero_step_limits,
            self._natero_step_participants,
            self._natero_step_contacts,
            self._natero_step_targets,
            self._natero_step_post,
        ]

    def _natero_finish(self, jobs):
        now = fields.Datetime.now()
        for job in jobs:
            decision = job.decision or policy.Decision(
                policy.ERROR, "bug", "no decision"
            )
            vals = {
                "state": decision.state,
                "reason": clean("\n".join([decision.reason, *job.notes]).strip())
                or False,
                "processed_at": now,
                "attempts": job.log.attempts + 1,
            }
            if job.user:
                vals.update(user_id=job.user.id, attribution_rule=job.rule)
            job.log.write(vals)
            _logger.info(
                "Email log: log %s from %s: %s (%s)",
                job.log.id,
                job.log.sender_email,
                decision.state,
                decision.code,
            )

    # --- parse ---------------------------------------------------------

    def _natero_step_parse(self, jobs):
        own = self._natero_own_addresses()
        for job in jobs:
            raw = job.raw = base64.b64decode(job.log.raw or b"")
            try:
                job.parsed = mail_parse.parse_message(raw, log_addresses=own)
            except mail_parse.ParseError as exc:
                job.decision = policy.Decision(
                    policy.ERROR, "malformed", f"not a readable email: {exc}"
                )
                continue
            self._natero_apply_parsed(job)

    def _natero_apply_parsed(self, job):
        parsed, log = job.parsed, job.log
        forward = parsed.forward
        subject = (forward.subject if forward else parsed.subject) or parsed.subject
        message_id = clean(parsed.message_id, 998)
        vals = {
            "message_id": message_id or False,
            "dedupe_key": message_id or f"sha256:{parsed.content_hash}",
            "subject": clean(subject, 512),
            "kind": "forward" if parsed.kind == "forward" else "bcc",
            "sender_email": clean(parsed.outer_from, 254) or False,
            "original_from": clean(forward.from_addr, 254) if forward else False,
            "forward_unparsed": parsed.forward_unparsed,
        }
        if log.kind == "manual":
            vals.pop("kind")
        log.write(vals)
        if parsed.forward_unparsed:
            job.notes.append(
                "forward not recognised: associated by the forwarding email's headers"
            )
        elif forward and not forward.from_addr:
            job.notes.append(
                "the forwarded email names its sender without an address "
                f"({clean(forward.from_name, 128) or '?'}): link it by hand if needed"
            )

    def _natero_original_date(self, job):
        parsed = job.parsed
        value = (parsed.forward and parsed.forward.date) or parsed.date
        if value is None:
            return fields.Datetime.now()
        if value.tzinfo is None:
            # A forwarded block states local time: the forwarding user's zone.
            value = value.replace(tzinfo=self._natero_zone(job.user.tz))
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    @api.model
    def _natero_zone(self, name):
        try:
            return ZoneInfo(name or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return timezone.utc

    @api.model
    def _natero_own_addresses(self):
        """Every alias address of this database (never a participant)."""
        if "natero_own_addresses" in self.env.context:
            return self.env.context["natero_own_addresses"]
        # sudo: alias addresses are configuration, read to exclude them.
        aliases = (
            self.env["mail.alias"]
            .sudo()
            .search_fetch([("alias_full_name", "!=", False)], ["alias_full_name"])
        )
        return frozenset(a.alias_full_name.lower() for a in aliases)

    # --- noise (L5) ---------------------------------------------------

    def _natero_step_noise(self, jobs):
        own = self._natero_own_addresses()
        for job in jobs:
            job.decision = policy.check_noise(
                job.parsed.kind, job.parsed.auto_reason, job.parsed.outer_from, own
            )

    # --- sender (L4) --------------------------------------------------

    def _natero_step_sender(self, jobs):
        # The participants' addresses are asked about in the same two queries:
        # colleagues are never customer participants (L3, L5).
        addresses = {job.parsed.outer_from for job in jobs} | {
            a for job in jobs for a in self._natero_candidates(job) if a
        }
        facts = self._natero_sender_facts(addresses, jobs)
        colleagues = frozenset(facts["logins"]) | frozenset(facts["connected"])
        colleagues |= frozenset(facts["aliases"])
        for job in jobs:
            job.colleagues = colleagues
            sender = job.parsed.outer_from
            company = job.log.company_id
            personal = job.log.personal_user_id.id or None

            def allowed(user_id, company_id=company.id):
                # A company's mail counts only for the users allowed in it
                # (their allowed companies, as Odoo's own access rules).
                return company_id in facts["companies"].get(user_id, ())

            if personal and not allowed(personal):
                job.decision = policy.unrecognised(sender, personal, other_company=True)
                continue
            candidates = (
                [c for c in facts["connected"].get(sender, []) if allowed(c[1])],
                [u for u in facts["logins"].get(sender, []) if allowed(u)],
                [u for u in facts["aliases"].get(sender, []) if allowed(u)],
            )
            attribution = policy.attribute(
                sender, personal, facts["user_addresses"], *candidates
            )
            if attribution is None:
                elsewhere = any(
                    facts[kind].get(sender)
                    for kind in ("connected", "logins", "aliases")
                )
                job.decision = policy.unrecognised(
                    sender, personal, other_company=elsewhere and not personal
                )
                continue
            job.user = self.env["res.users"].browse(attribution.user_id)
            job.rule = attribution.rule
            job.log.date = self._natero_original_date(job)
            if company.natero_log_require_auth:
                job.decision = policy.check_authentication(
                    authres.header_fields(job.raw),
                    sender,
                    company.natero_log_trusted_authserv,
                    company.natero_log_auth_hops,
                    company.natero_log_auth_alignment,
                    public_suffix_rules(),
                )

    @api.model
    def _natero_sender_facts(self, addresses, jobs):
        """Users who own ``addresses``, in two queries for the whole batch."""
        # sudo: senders are matched against every user's addresses.
        Users = self.env["res.users"].sudo().with_context(active_test=True)
        personal_ids = {job.log.personal_user_id.id for job in jobs} - {False}
        users = Users.search_fetch(
            [
                ("share", "=", False),
                "|",
                "|",
                ("email_normalized", "in", list(addresses)),
                ("login", "in", list(addresses)),
                ("id", "in", list(personal_ids)),
            ],
            ["email_normalized", "login"],
        )
        # sudo: every user's connected addresses count, not only the reader's.
        links = (
            self.env["natero.mail.log.sender"]
            .sudo()
            .search_fetch(
                [
                    "|",
                    ("email_normalized", "in", list(addresses)),
                    ("user_id", "in", list(personal_ids)),
                    ("user_id.active", "=", True),
                ],
                ["email_normalized", "kind", "user_id", "connected_at"],
            )
        )
        facts = {
            "user_addresses": defaultdict(set),
            "connected": defaultdict(list),
            "logins": defaultdict(list),
            "aliases": defaultdict(list),
            "companies": self._natero_allowed_companies(
                set(users.ids) | set(links.user_id.ids)
            ),
        }
        for user in users:
            for address in filter(None, {user.email_normalized, user.login.lower()}):
                facts["user_addresses"][user.id].add(address)
                facts["logins"][address].append(user.id)
        for link in links:
            facts["user_addresses"][link.user_id.id].add(link.email_normalized)
            if link.kind == "connected":
                facts["connected"][link.email_normalized].append(
                    (link.connected_at, link.user_id.id)
                )
            else:
                facts["aliases"][link.email_normalized].append(link.user_id.id)
        return facts

    @api.model
    def _natero_allowed_companies(self, user_ids):
        """{user id: ids of the companies the user is allowed in}, one query."""
        if not user_ids:
            return {}
        rows = self.env.execute_query(
            SQL(
                "SELECT user_id, array_agg(cid) FROM res_company_users_rel "
                "WHERE user_id = ANY(%s) GROUP BY user_id",
                list(user_ids),
            )
        )
        return {user_id: set(company_ids) for user_id, company_ids in rows}

    # --- limits (L7) --------------------------------------------------

    def _natero_step_limits(self, jobs):
        for job in jobs:
            company, parsed = job.log.company_id, job.parsed
            body = self._natero_body_source(job)
            job.decision = policy.check_body_size(
                len(body.encode()), company.natero_log_max_body_size
            )
            if job.decision:
                self._natero_notify_user(job, job.decision.reason)
                continue
            job.attachments, dropped = policy.split_attachments(
                parsed.attachments, company.natero_log_max_attachment_size
            )
            if dropped:
                names = ", ".join(a.filename or "?" for a in dropped)
                note = f"attachments over the size limit were not logged: {names}"
                job.notes.append(note)
                self._natero_notify_user(job, note)

    def _natero_body_source(self, job):
        parsed = job.parsed
        if parsed.forward and self._natero_uses_original(job):
            return parsed.forward.body_html or parsed.body_html or ""
        return parsed.body_html or ""

    def _natero_uses_original(self, job):
        return (
            job.parsed.forward is not None
            and job.log.company_id.natero_log_forward_mode == "original"
        )

    # --- participants (L3, L5) ----------------------------------------

    def _natero_step_participants(self, jobs):
        by_company = defaultdict(list)
        for job in jobs:
            by_company[job.log.company_id].append(job)
        user_addresses = frozenset().union(*(job.colleagues for job in jobs))
        never = self.env["natero.mail.log.exclusion"]._natero_entries_by_company(
            self.env["res.company"].union(*by_company)
        )
        own = self._natero_own_addresses()
        for company, company_jobs in by_company.items():
            addresses, domains = never[company.id]
            exclusions = policy.Exclusions(
                own_addresses=own,
                user_addresses=user_addresses,
                internal_domains=frozenset(company._natero_internal_domains()),
                never_addresses=frozenset(addresses),
                never_domains=frozenset(domains),
            )
            for job in company_jobs:
                kept, excluded = policy.participants(
                    self._natero_candidates(job), exclusions
                )
                job.participants = kept
                job.decision = policy.all_never_logged(kept, excluded)

    def _natero_candidates(self, job):
        parsed = job.parsed
        if self._natero_uses_original(job):
            forward = parsed.forward
            return [forward.from_addr, *forward.to, *forward.cc]
        return [parsed.outer_from, *parsed.to, *parsed.cc]

    # --- contacts (L3) -------------------------------------------------

    def _natero_step_contacts(self, jobs):
        addresses = {a for job in jobs for a in job.participants}
        found = self.env["res.partner"]._natero_find_contacts(
            addresses, self.env["res.company"].union(*(j.log.company_id for j in jobs))
        )
        Partner = self.env["res.partner"]
        usable = {}  # (address, company) -> contacts that company's mail may use
        missing = defaultdict(set)
        for job in jobs:
            company = job.log.company_id
            for address in job.participants:
                key = (address, company.id)
                if key not in usable:
                    usable[key] = found.get(address, Partner)._natero_usable_by(company)
                if not usable[key] and company.natero_log_create_contacts:
                    missing[address].add(company.id)
        if missing:
            names = self._natero_names(jobs)
            created = Partner._natero_create_contacts(
                {a: names.get(a) for a in missing}, missing
            )
            for address, company_ids in missing.items():
                for company_id in company_ids:
                    usable[address, company_id] = created[address]
        for job in jobs:
            company_id = job.log.company_id.id
            job.contacts = {
                a: usable[a, company_id]
                for a in job.participants
                if usable.get((a, company_id))
            }

    def _natero_names(self, jobs):
        """{address: name} for new contacts: header names, original senders."""
        names = {}
        for job in jobs:
            names.update(job.parsed.names)
            forward = job.parsed.forward
            if forward and forward.from_addr and forward.from_name:
                names[forward.from_addr] = forward.from_name
        return {address: clean(name, 128) for address, name in names.items()}

    # --- targets (L3) --------------------------------------------------

    def _natero_step_targets(self, jobs):
        Partner = self.env["res.partner"]
        contacts = Partner.union(*(p for job in jobs for p in job.contacts.values()))
        accounts_of = {
            p.id: p.commercial_partner_id
            for p in contacts
            if p.commercial_partner_id != p and p.commercial_partner_id.is_company
        }
        max_deals = max(
            (j.log.company_id.natero_log_max_deals for j in jobs), default=0
        )
        company_ids = {j.log.company_id.id for j in jobs}
        Lead = self.env["crm.lead"]
        recent = Lead._natero_recent_open_deals(
            {a.id for a in accounts_of.values()} | set(contacts.ids),
            max_deals,
            company_ids,
        )
        single = Lead._natero_single_open_deal(contacts.ids, company_ids)
        for job in jobs:
            partners = Partner.union(*job.contacts.values())
            job.accounts = Partner.union(
                *(accounts_of[p.id] for p in partners if p.id in accounts_of)
            )._natero_usable_by(job.log.company_id)
            job.leads = self._natero_pick_deals(job, partners, recent, single)
            if not partners:
                job.decision = policy.Decision(
                    policy.UNASSIGNED,
                    "no_target",
                    "no contact, account or deal matched",
                )
                self._natero_notify_user(job, job.decision.reason)

    def _natero_pick_deals(self, job, partners, recent, single):
        company = job.log.company_id
        Lead = self.env["crm.lead"]
        if company.natero_log_deal_routing == "unambiguous":
            return Lead.union(
                *(
                    single[company.id, p.id]
                    for p in partners
                    if (company.id, p.id) in single
                )
            )
        keys = {p.commercial_partner_id.id for p in partners} | set(partners.ids)
        deals = Lead.union(*(recent.get((company.id, k), Lead) for k in keys))
        deals = deals.sorted(lambda d: (d.write_date, d.id), reverse=True)
        return deals[: company.natero_log_max_deals]

    # --- post (L3, L8) -------------------------------------------------

    def _natero_step_post(self, jobs):
        targets = {job: self._natero_targets(job) for job in jobs}
        keys = {job.log.dedupe_key for job in jobs}
        done = self.env["mail.message"]._natero_logged_keys(keys)
        note_subtype = self.env.ref("mail.mt_note").id
        message_vals, attachment_jobs = [], []
        for job in jobs:
            fresh = [
                t
                for t in targets[job]
                if (job.log.dedupe_key, t._name, t.id) not in done
            ]
            for record in fresh:
                done.add((job.log.dedupe_key, record._name, record.id))
                message_vals.append(
                    self._natero_message_values(job, record, note_subtype)
                )
                attachment_jobs.append((job, record))
            self._natero_record_targets(job, targets[job], fresh)
        attachments = self._natero_create_attachments(attachment_jobs)
        for vals, atts in zip(message_vals, attachments, strict=True):
            vals["attachment_ids"] = [(6, 0, atts.ids)]
            vals["body"] = self._natero_inline_images(vals["body"], atts)
        # sudo: internal notes on the targets, as Odoo's _message_log_batch does;
        # the records were chosen by the pipeline or checked by _natero_link.
        self.env["mail.message"].sudo().create(message_vals)

    @api.model
    def _natero_inline_images(self, body, attachments):
        """Point ``cid:`` images at their attachment, as Odoo's gateway does."""
        for attachment in attachments.filtered("access_token"):
            cid = attachment.description
            if cid and f"cid:{cid}" in body:
                url = (
                    f"/web/image/{attachment.id}?access_token={attachment.access_token}"
                )
                body = Markup(str(body).replace(f"cid:{cid}", url))
        return body

    def _natero_targets(self, job):
        contacts = self.env["res.partner"].union(*job.contacts.values())
        return [*contacts, *(job.accounts - contacts), *job.leads]

    def _natero_record_targets(self, job, targets, fresh):
        partners = [t.id for t in targets if t._name == "res.partner"]
        leads = [t.id for t in targets if t._name == "crm.lead"]
        job.log.write({"partner_ids": [(6, 0, partners)], "lead_ids": [(6, 0, leads)]})
        if fresh:
            job.decision = policy.Decision(
                policy.LOGGED, "logged", f"logged on {len(fresh)} record(s)"
            )
        else:
            job.decision = policy.Decision(
                policy.LOGGED, "duplicate", "already logged on every target (L8)"
            )

    def _natero_message_values(self, job, record, subtype_id):
        parsed, log = job.parsed, job.log
        author = self._natero_author(job)
        forward = parsed.forward if self._natero_uses_original(job) else None
        email_from = (
            forward.from_addr or forward.from_name if forward else parsed.outer_from
        )
        return {
            "model": record._name,
            "res_id": record.id,
            "message_type": "email",
            "subtype_id": subtype_id,
            "is_internal": True,
            "author_id": author.id,
            "email_from": clean(email_from, 254),
            "subject": log.subject,
            "body": self._natero_body(job),
            "date": log.date,
            "natero_log_id": log.id,
            "natero_log_key": log.dedupe_key,
            "record_name": record.display_name,
            "reply_to": False,
        }

    def _natero_author(self, job):
        parsed = job.parsed
        if self._natero_uses_original(job):
            sender = parsed.forward.from_addr
            return (job.contacts.get(sender) or self.env["res.partner"])[:1]
        return job.user.partner_id

    def _natero_body(self, job):
        if job.body is None:
            job.body = self._natero_render_body(job)
        return job.body

    def _natero_render_body(self, job):
        how = dict(KINDS).get(job.log.kind, job.log.kind)
        mark = Markup(
            '<p class="o_natero_log_mark text-muted small">Logged by %s via %s</p>'
        ) % (job.user.name, how)
        # mail.message sanitizes its body on create: no need to do it twice.
        return mark + Markup(clean(self._natero_body_source(job)))

    def _natero_create_attachments(self, attachment_jobs):
        """One batch create of every target's attachments; ids per message."""
        vals_list, slices = [], []
        for job, record in attachment_jobs:
            start = len(vals_list)
            for attachment in job.attachments:
                # No sender-chosen mimetype: ir.attachment guesses it from the
                # name and content, as for Odoo's own gateway attachments.
                vals = {
                    "name": clean(attachment.filename, 255) or "attachment",
                    "raw": attachment.content,
                    "res_model": record._name,
                    "res_id": record.id,
                }
                if attachment.content_id:
                    # An inline image: reachable from the body with a token.
                    vals["description"] = clean(attachment.content_id, 255)
                    vals["access_token"] = str(uuid.uuid4())
                vals_list.append(vals)
            slices.append((start, len(vals_list)))
        # sudo: the attachments of those notes (same reason).  HTML, SVG and
        # other XML are stored as text/plain, as Odoo's gateway stores them
        # (attachments_mime_plainxml, mail.thread._message_route_process):
        # the sender chose their type, the browser must not run them.
        Attachment = (
            self.env["ir.attachment"]
            .sudo()
            .with_context(attachments_mime_plainxml=True)
        )
        created = Attachment.create(vals_list) if vals_list else Attachment
        return [created[a:b] for a, b in slices]

    # --- notifications (L6, L7) ---------------------------------------

    def _natero_notify_user(self, job, text):
        """Tell the attributed user, inside Odoo, with a link to the log."""
        if not job.user:
            return
        job.log.message_post(
            body=Markup("<p>%s</p>") % escape(text),
            partner_ids=job.user.partner_id.ids,
            subtype_xmlid="mail.mt_note",
        )

    # ------------------------------------------------------------------
    # Demo data
    # ------------------------------------------------------------------

    @api.model
    def _natero_demo_feed(self):
        """Send the demo emails through the real gateway and process them."""
        sender = self.env.ref("base.user_admin").email
        alias = self.env.company.natero_log_alias_id
        log = alias.alias_full_name or f"{alias.alias_name}@localhost"
        folder = Path(__file__).parent.parent / "demo" / "mail"
        MailThread = self.env["mail.thread"]
        for path in sorted(folder.glob("*.eml")):
            raw = path.read_text().replace("{sender}", sender).replace("{log}", log)
            MailThread.message_process(False, raw.encode())
        self._process_pending()
