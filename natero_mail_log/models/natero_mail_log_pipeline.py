# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The pipeline of natero.mail.log: what the cron does with a stored mail.

The cron takes pending rows in batches (``FOR UPDATE SKIP LOCKED``) and runs
the steps below, each one a batch over the whole set of logs:

    parse -> picks -> noise -> sender -> limits -> participants -> contacts
    -> targets -> post

A step that decides a log's fate sets ``job.decision``; later steps skip it.
The last step, post, is in ``natero_mail_log_post.py``.  A manual link
(``_natero_link``, L6) runs the same steps on a job that carries the records
its user picked (``job.picks``): the picks step takes them, and the steps that
would find them (noise, sender, participants, contacts, targets) leave that
job alone; parsing, the size limits and posting apply as to any email.
Everything a step learns goes into the job (``Job``), never into the context.
"""

import base64
import functools
import logging
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg2.errors
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import authres, policy
from ..tools import parse as mail_parse
from ..tools.mime import Attachment

_logger = logging.getLogger(__name__)

PUBLIC_SUFFIX_LIST = Path("/usr/share/publicsuffix/public_suffix_list.dat")
MAX_ATTEMPTS = 3


@functools.cache
def public_suffix_rules():
    """The system's Public Suffix List (Debian/Ubuntu package ``publicsuffix``),
    for relaxed DMARC alignment; None without one (see tools/authres.py)."""
    try:
        return authres.load_suffix_rules(PUBLIC_SUFFIX_LIST.read_text("utf-8"))
    except OSError:
        return None


def clean(text, size=None):
    """Text PostgreSQL accepts: no NUL character, at most ``size`` characters."""
    text = (text or "").replace("\x00", "")
    return text[:size] if size else text


@dataclass(frozen=True)
class Picks:
    """The records a user picked by hand to log an email on (L6)."""

    user: models.BaseModel  # res.users: who links
    partners: models.BaseModel  # res.partner: contacts and companies
    leads: models.BaseModel  # crm.lead: deals


@dataclass(eq=False)
class Job:
    """What the pipeline knows of one log while it runs.

    Each field says which step sets it; a step reads only what is given when
    the job is made or what an earlier step set.
    """

    # Given when the job is made (_natero_process, _natero_link):
    log: models.BaseModel  # the natero.mail.log record, as the engine (sudo)
    picks: Picks | None = None  # the records picked by hand, for a manual link
    # _natero_run, before the first step: every alias address of the database
    own_addresses: frozenset = frozenset()
    # parse: the stored mail and what the parser read in it
    raw: bytes = b""
    parsed: mail_parse.ParsedMail | None = None
    # any step: why the log stops there; post: logged (or already logged)
    decision: policy.Decision | None = None
    # sender (picks for a manual link): the user the email counts for, the rule
    user: models.BaseModel | None = None  # res.users
    rule: str = ""
    # sender: every user address among the batch's senders and participants
    colleagues: frozenset = frozenset()
    # limits: the attachments within the size limit
    attachments: list[Attachment] = field(default_factory=list)
    # parse, limits: remarks added to the log's reason
    notes: list[str] = field(default_factory=list)
    # participants: the customer addresses, in order
    participants: list[str] = field(default_factory=list)
    # contacts (picks): address (or id) -> res.partner records to log on
    contacts: dict = field(default_factory=dict)
    # targets (picks): the contacts' accounts and the deals to log on
    accounts: models.BaseModel | None = None  # res.partner
    leads: models.BaseModel | None = None  # crm.lead
    # post: the logged body, rendered once for every target
    body: Markup | None = None
    # any step that knows who wrote the email (an addon's step: a reply to a
    # triggered email, natero_mail_trigger); post: the notes' author
    author: models.BaseModel | None = None  # res.partner


class NateroMailLogPipeline(models.AbstractModel):
    """The processing side of ``natero.mail.log``, which inherits it."""

    _name = "natero.mail.log.pipeline"
    _description = "Email log: processing pipeline"

    def _natero_process(self):
        """Run the pipeline over ``self``; a failure isolates the faulty log."""
        if not self:
            return
        try:
            with self.env.cr.savepoint():
                self._natero_run([Job(log) for log in self])
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            # The database went away (a restart, a lost connection) or the
            # transaction cannot go on (a serialization failure): no email is
            # at fault.  The batch is rolled back whole and its logs stay
            # pending for the next run, instead of each failing on its own.
            _logger.warning("Email log: batch of %s logs interrupted", len(self))
            raise
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
            self._natero_concurrent_duplicate()
        except Exception as exc:
            _logger.exception("Email log: log %s failed", self.id)
            self._natero_fail(
                f"{type(exc).__name__}: {exc}\n" + traceback.format_exc(limit=3)
            )

    def _natero_concurrent_duplicate(self):
        """Another worker logged the same email on the same record and
        committed after our snapshot was taken: a later run, in a new
        transaction, sees it and records this one as a duplicate (L8)."""
        if self.attempts >= MAX_ATTEMPTS:
            self._natero_fail("a concurrent duplicate kept colliding")
            return
        _logger.info("Email log: log %s met a concurrent duplicate", self.id)
        self.attempts += 1
        self._natero_trigger_cron()

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
        """Run every step over the jobs still undecided, then record each
        log's outcome."""
        own = self._natero_own_addresses()  # needed by several steps: once
        for job in jobs:
            job.own_addresses = own
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
            self._natero_step_picks,
            self._natero_step_noise,
            self._natero_step_sender,
            self._natero_step_limits,
            self._natero_step_participants,
            self._natero_step_contacts,
            self._natero_step_targets,
            self._natero_step_post,
        ]

    @api.model
    def _natero_unpicked(self, jobs):
        """The jobs whose targets the pipeline finds itself (no manual link)."""
        return [job for job in jobs if job.picks is None]

    def _natero_finish(self, jobs):
        now = fields.Datetime.now()
        for job in jobs:
            decision = job.decision or policy.Decision(
                policy.ERROR, "bug", "no decision"
            )
            job.log.write(self._natero_outcome_values(job, decision, now))
            _logger.info(
                "Email log: log %s from %s: %s (%s)",
                job.log.id,
                job.log.sender_email,
                decision.state,
                decision.code,
            )

    @api.model
    def _natero_outcome_values(self, job, decision, now):
        """The log's state, reason and attribution once the pipeline ran."""
        reason = clean("\n".join([decision.reason, *job.notes]).strip())
        vals = {
            "state": decision.state,
            "reason": reason or False,
            "processed_at": now,
            "attempts": job.log.attempts + 1,
        }
        if job.user:
            vals.update(user_id=job.user.id, attribution_rule=job.rule)
        return vals

    # --- parse ---------------------------------------------------------

    def _natero_step_parse(self, jobs):
        for job in jobs:
            raw = job.raw = base64.b64decode(job.log.raw or b"")
            try:
                job.parsed = mail_parse.parse_message(
                    raw, log_addresses=job.own_addresses
                )
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
        job.notes.extend(self._natero_parse_notes(parsed))

    @api.model
    def _natero_parse_notes(self, parsed):
        """What the log's reader should know of how the email was read."""
        forward = parsed.forward
        if parsed.forward_unparsed:
            return [
                "forward not recognised: associated by the forwarding email's headers"
            ]
        if forward and not forward.from_addr:
            return [
                "the forwarded email names its sender without an address "
                f"({clean(forward.from_name, 128) or '?'}): link it by hand if needed"
            ]
        return []

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
        # sudo: alias addresses are configuration, read to exclude them.
        aliases = (
            self.env["mail.alias"]
            .sudo()
            .search_fetch([("alias_full_name", "!=", False)], ["alias_full_name"])
        )
        return frozenset(a.alias_full_name.lower() for a in aliases)

    # --- picks (L6) ----------------------------------------------------

    def _natero_step_picks(self, jobs):
        """A manual link: its user's picks are the email's targets, and the
        email counts for the user it was attributed to, else for the linker."""
        for job in jobs:
            picks = job.picks
            if picks is None:
                continue
            job.user = job.log.user_id or picks.user
            job.rule = job.log.attribution_rule or "manual"
            job.log.date = self._natero_original_date(job)
            job.contacts = {p.email_normalized or str(p.id): p for p in picks.partners}
            job.accounts = self.env["res.partner"]
            job.leads = picks.leads

    # --- noise (L5) ---------------------------------------------------

    def _natero_step_noise(self, jobs):
        for job in self._natero_unpicked(jobs):
            job.decision = policy.check_noise(
                job.parsed.kind,
                job.parsed.auto_reason,
                job.parsed.outer_from,
                job.own_addresses,
            )

    # --- sender (L4) --------------------------------------------------

    def _natero_step_sender(self, jobs):
        """Who each email counts for (L4), or why nobody; then, when the
        company requires it, whether its sender is authenticated."""
        jobs = self._natero_unpicked(jobs)
        if not jobs:
            return
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
            job.decision = self._natero_attribute(job, facts)
            if job.decision is None:
                job.log.date = self._natero_original_date(job)
                job.decision = self._natero_check_authentication(job)

    def _natero_attribute(self, job, facts):
        """Set the user ``job``'s email counts for (L4); return why there is
        none, or None.  A company's mail counts only for the users allowed in
        it (their allowed companies, as Odoo's own access rules)."""
        sender = job.parsed.outer_from
        company_id = job.log.company_id.id
        personal = job.log.personal_user_id.id or None

        def allowed(user_id):
            return company_id in facts["companies"].get(user_id, ())

        if personal and not allowed(personal):
            return policy.unrecognised(sender, personal, other_company=True)
        attribution = policy.attribute(
            sender,
            personal,
            facts["user_addresses"],
            [c for c in facts["connected"].get(sender, []) if allowed(c[1])],
            [u for u in facts["logins"].get(sender, []) if allowed(u)],
            [u for u in facts["aliases"].get(sender, []) if allowed(u)],
        )
        if attribution is None:
            elsewhere = any(
                facts[kind].get(sender) for kind in ("connected", "logins", "aliases")
            )
            return policy.unrecognised(
                sender, personal, other_company=elsewhere and not personal
            )
        job.user = self.env["res.users"].browse(attribution.user_id)
        job.rule = attribution.rule
        return None

    @api.model
    def _natero_check_authentication(self, job):
        """L4 anti-spoofing, when the company requires it (tools/authres.py)."""
        company = job.log.company_id
        if not company.natero_log_require_auth:
            return None
        return policy.check_authentication(
            authres.header_fields(job.raw),
            job.parsed.outer_from,
            company.natero_log_trusted_authserv,
            company.natero_log_auth_hops,
            company.natero_log_auth_alignment,
            public_suffix_rules(),
        )

    @api.model
    def _natero_sender_facts(self, addresses, jobs):
        """Users who own ``addresses``, in two queries for the whole batch."""
        personal_ids = {job.log.personal_user_id.id for job in jobs} - {False}
        users = self._natero_users_of(addresses, personal_ids)
        links = self._natero_senders_of(addresses, personal_ids)
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
    def _natero_users_of(self, addresses, user_ids):
        """Internal users whose email or login is one of ``addresses``, and
        the users ``user_ids`` (owners of personal addresses)."""
        # sudo: senders are matched against every user's addresses.
        Users = self.env["res.users"].sudo().with_context(active_test=True)
        return Users.search_fetch(
            [
                ("share", "=", False),
                "|",
                "|",
                ("email_normalized", "in", list(addresses)),
                ("login", "in", list(addresses)),
                ("id", "in", list(user_ids)),
            ],
            ["email_normalized", "login"],
        )

    @api.model
    def _natero_senders_of(self, addresses, user_ids):
        """Active users' connected addresses and aliases among ``addresses``,
        and those of the users ``user_ids``."""
        # sudo: every user's connected addresses count, not only the reader's.
        return (
            self.env["natero.mail.log.sender"]
            .sudo()
            .search_fetch(
                [
                    "|",
                    ("email_normalized", "in", list(addresses)),
                    ("user_id", "in", list(user_ids)),
                    ("user_id.active", "=", True),
                ],
                ["email_normalized", "kind", "user_id", "connected_at"],
            )
        )

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
        """A body over the limit is not logged; attachments over the limit are
        dropped; the user is told either way."""
        for job in jobs:
            company = job.log.company_id
            body = self._natero_body_source(job)
            job.decision = policy.check_body_size(
                len(body.encode()), company.natero_log_max_body_size
            )
            if job.decision:
                self._natero_notify_user(job, job.decision.reason)
                continue
            job.attachments, dropped = policy.split_attachments(
                job.parsed.attachments, company.natero_log_max_attachment_size
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
        jobs = self._natero_unpicked(jobs)
        by_company = defaultdict(list)
        for job in jobs:
            by_company[job.log.company_id].append(job)
        never = self.env["natero.mail.log.exclusion"]._natero_entries_by_company(
            self.env["res.company"].union(*by_company)
        )
        for company, company_jobs in by_company.items():
            exclusions = self._natero_exclusions(company, company_jobs, never)
            for job in company_jobs:
                kept, excluded = policy.participants(
                    self._natero_candidates(job), exclusions
                )
                job.participants = kept
                job.decision = policy.all_never_logged(kept, excluded)

    @api.model
    def _natero_exclusions(self, company, jobs, never):
        """Who is never a customer participant of ``company``'s mail."""
        addresses, domains = never[company.id]
        return policy.Exclusions(
            own_addresses=jobs[0].own_addresses,
            user_addresses=frozenset().union(*(job.colleagues for job in jobs)),
            internal_domains=frozenset(company._natero_internal_domains()),
            never_addresses=frozenset(addresses),
            never_domains=frozenset(domains),
        )

    def _natero_candidates(self, job):
        parsed = job.parsed
        if self._natero_uses_original(job):
            forward = parsed.forward
            return [forward.from_addr, *forward.to, *forward.cc]
        return [parsed.outer_from, *parsed.to, *parsed.cc]

    # --- contacts (L3) -------------------------------------------------

    def _natero_step_contacts(self, jobs):
        jobs = self._natero_unpicked(jobs)
        usable, missing = self._natero_usable_contacts(jobs)
        if missing:
            names = self._natero_names(jobs)
            created = self.env["res.partner"]._natero_create_contacts(
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

    def _natero_usable_contacts(self, jobs):
        """({(address, company id): contacts that company's mail may use},
        {address: ids of the companies that would create it}), one search."""
        Partner = self.env["res.partner"]
        found = Partner._natero_find_contacts(
            {a for job in jobs for a in job.participants},
            self.env["res.company"].union(*(j.log.company_id for j in jobs)),
        )
        usable, missing = {}, defaultdict(set)
        for job in jobs:
            company = job.log.company_id
            for address in job.participants:
                key = (address, company.id)
                if key not in usable:
                    usable[key] = found.get(address, Partner)._natero_usable_by(company)
                if not usable[key] and company.natero_log_create_contacts:
                    missing[address].add(company.id)
        return usable, missing

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
        jobs = self._natero_unpicked(jobs)
        Partner = self.env["res.partner"]
        contacts = Partner.union(*(p for job in jobs for p in job.contacts.values()))
        accounts_of = {
            p.id: p.commercial_partner_id
            for p in contacts
            if p.commercial_partner_id != p and p.commercial_partner_id.is_company
        }
        recent, single = self._natero_open_deals(jobs, contacts, accounts_of)
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

    def _natero_open_deals(self, jobs, contacts, accounts_of):
        """The open deals of the contacts and their accounts, in two queries:
        (recent by (company, partner), the single one by (company, partner))."""
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
        return recent, Lead._natero_single_open_deal(contacts.ids, company_ids)

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
