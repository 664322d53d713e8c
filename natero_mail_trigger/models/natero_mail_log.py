# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Replies to triggered emails (T9), through natero_mail_log's gateway and
pipeline.

A triggered email that allows replies carries ``Reply-To:
reply+<send id>-<token>@<alias domain>`` (``natero.trigger.links``). The
gateway capture (``_gateway_capture``) takes a mail for such an address only
when its token signs the send (constant time, before any lookup); it is
stored as a pending log of kind ``reply``, and a bad or unknown token is left
to Odoo's router as any other mail. The pipeline then runs its usual steps,
but a reply's targets are its send's contact and account (``reply`` step):
the sender checks of the log addresses (L4) do not apply, the noise step
(auto-replies, out-of-office, bounces) and the size limits do. Once posted,
the send records ``replied_at`` and the reply is forwarded to the trigger's
reply-to person (or owner) through ``mail.mail``, with the customer as
Reply-To. Nothing is ever sent to the customer.
"""

import logging

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import SQL, formataddr

from odoo.addons.natero_mail_log.models.natero_mail_log_pipeline import clean
from odoo.addons.natero_mail_log.tools import policy

from ..tools import tokens

_logger = logging.getLogger(__name__)

REPLY = "reply"


class NateroMailLog(models.Model):
    _inherit = "natero.mail.log"

    kind = fields.Selection(
        selection_add=[(REPLY, "Reply to a trigger")], ondelete={REPLY: "set null"}
    )
    natero_trigger_send_id = fields.Many2one(
        "natero.trigger.send",
        string="Reply to the email",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The triggered email this email replies to (its signed reply address).",
    )
    natero_trigger_id = fields.Many2one(
        related="natero_trigger_send_id.trigger_id", string="Reply to the trigger"
    )

    # ================================================================ gateway

    @api.model
    def _gateway_capture(self, raw):
        """A reply to a triggered email is stored before any log address is
        looked for; any other mail goes the log addresses' way (and then
        Odoo's)."""
        return self._natero_reply_capture(raw) or super()._gateway_capture(raw)

    @api.model
    def _natero_reply_capture(self, raw):
        """``(log, route)`` when ``raw`` is for a signed reply address, else
        None. No query for mail without a recipient shaped as one."""
        headers = self._natero_read_headers(raw)
        envelope, visible = self._natero_recipients(headers, raw)
        shaped = self._natero_reply_shaped(envelope + visible)
        if not shaped:
            return None
        facts = self._natero_gateway_facts()
        address, send = self._natero_reply_send(shaped, facts)
        if not send:
            return None
        envelope_others = [a for a in envelope if a not in shaped]
        route = not (envelope and envelope[0] in shaped) and bool(
            self._natero_other_destinations(
                envelope_others, [a for a in visible if a not in shaped], facts
            )
        )
        values = self._natero_capture_values(raw, headers, send.company_id, address)
        values["envelope_to"] = clean(self._natero_mask_reply(address), 254)
        log = self._natero_find_reply(raw, values, send)
        if log:
            _logger.info(
                "Email trigger reply: mail for send %s already stored as log %s",
                send.id,
                log.id,
            )
            return log, route
        # sudo: the gateway user need not read logs; the token proved that
        # this mail answers ``send`` (checked in _natero_reply_send).
        log = self.sudo().create(
            {**values, "kind": REPLY, "natero_trigger_send_id": send.id}
        )
        self._natero_trigger_cron()
        _logger.info(
            "Email trigger reply: stored mail for send %s as log %s", send.id, log.id
        )
        return log, route

    @api.model
    def _natero_reply_shaped(self, recipients):
        """{address: (alias, send id, token)} of the recipients shaped as a
        reply address (``tools/tokens.py``); nothing is looked up."""
        shaped = {}
        for address in recipients:
            local, __, domain = address.rpartition("@")
            parts = tokens.read_reply_local_part(local) if domain else None
            if parts:
                shaped.setdefault(address, parts)
        return shaped

    @api.model
    def _natero_reply_send(self, shaped, facts):
        """``(address, send)`` of the first reply address whose alias is ours,
        on our domains, and whose token signs an existing send; the token is
        checked in constant time before the send is read."""
        aliases = self._natero_reply_aliases()
        Trigger = self.env["natero.trigger"]
        for address, (alias, send_id, token) in shaped.items():
            domain = address.rpartition("@")[2]
            if domain not in aliases.get(alias, ()) and domain not in facts.domains:
                continue
            if alias not in aliases or not Trigger._check_reply_token(send_id, token):
                _logger.info(
                    "Email trigger reply: %s is not a valid reply address",
                    self._natero_mask_reply(address),
                )
                continue
            # sudo: the token signs this send id (checked just above).
            send = self.env["natero.trigger.send"].sudo().browse(send_id).exists()
            if send:
                return address, send
        return None, None

    @api.model
    def _natero_reply_aliases(self):
        """{local part: {domains}} of the companies' reply aliases, one query."""
        self.env["res.company"].flush_model(["natero_trigger_reply_alias_id"])
        self.env["mail.alias"].flush_model(["alias_name", "alias_domain_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT lower(a.alias_name), lower(coalesce(d.name, ''))
                  FROM res_company c
                  JOIN mail_alias a ON a.id = c.natero_trigger_reply_alias_id
             LEFT JOIN mail_alias_domain d ON d.id = a.alias_domain_id
                 WHERE a.alias_name IS NOT NULL
                """
            )
        )
        aliases = {}
        for name, domain in rows:
            aliases.setdefault(name, set()).add(domain)
        return aliases

    @api.model
    def _natero_mask_reply(self, address):
        """``reply+<send>-…@domain``: the token is left out of what is shown."""
        local, __, domain = address.rpartition("@")
        return f"{local.rpartition('-')[0]}-…@{domain}"

    @api.model
    def _natero_find_reply(self, raw, values, send):
        """The reply already stored for this very mail and send (another copy
        of it: its Cc'd log or alias address), if any."""
        if not values["message_id"]:
            return self.browse()
        # sudo: the gateway compares with what it stored itself.
        stored = self.sudo().search(
            [
                ("message_id", "=", values["message_id"]),
                ("natero_trigger_send_id", "=", send.id),
                ("sender_email", "=", values["sender_email"]),
            ],
            limit=1,
        )
        return stored

    # =============================================================== pipeline

    def _natero_steps(self):
        """A reply's targets are decided right after parsing (``reply``)."""
        steps = super()._natero_steps()
        at = steps.index(self._natero_step_picks) + 1
        return [*steps[:at], self._natero_step_reply, *steps[at:]]

    @api.model
    def _natero_replies(self, jobs):
        return [job for job in jobs if job.log.kind == REPLY and job.picks is None]

    @api.model
    def _natero_unpicked(self, jobs):
        """Replies are not found by the pipeline: their send names them."""
        return [job for job in super()._natero_unpicked(jobs) if job.log.kind != REPLY]

    def _natero_apply_parsed(self, job):
        """A reply stays a reply, whatever its body quotes."""
        reply = job.log.kind == REPLY
        result = super()._natero_apply_parsed(job)
        if reply:
            job.log.kind = REPLY
        return result

    def _natero_uses_original(self, job):
        if job.log.kind == REPLY:
            return False
        return super()._natero_uses_original(job)

    def _natero_step_reply(self, jobs):
        """T9: a reply is logged on its send's contact and account; an
        automatic one (auto-reply, out-of-office, bounce: L5's detection) is
        ignored. Its author is the customer who wrote it; it counts for the
        trigger's owner. One search for every reply from another address."""
        jobs = self._natero_replies(jobs)
        unsent = [job for job in jobs if not job.log.natero_trigger_send_id]
        for job in unsent:
            job.decision = policy.Decision(
                policy.IGNORED, "reply_unknown", "the triggered email no longer exists"
            )
        jobs = [job for job in jobs if job not in unsent]
        for job in jobs:
            # the owner sees every reply log, ignored ones included
            job.user = job.log.natero_trigger_send_id.trigger_id.user_id
            job.rule = REPLY
            job.decision = policy.check_noise(
                job.parsed.kind,
                job.parsed.auto_reason,
                job.parsed.outer_from,
                job.own_addresses,
            )
        jobs = [job for job in jobs if job.decision is None]
        others = self._natero_reply_other_authors(jobs)
        Partner = self.env["res.partner"]
        for job in jobs:
            send = job.log.natero_trigger_send_id
            contact = send.partner_id
            sender = job.parsed.outer_from
            job.log.date = self._natero_original_date(job)
            job.contacts = {send.email or str(contact.id): contact}
            account = send.account_id or contact.commercial_partner_id
            job.accounts = (
                account if account != contact and account.is_company else Partner
            )
            job.leads = self.env["crm.lead"]
            if sender in (send.email, contact.email_normalized):
                job.author = contact
            else:
                job.author = others.get((sender, job.log.company_id.id), Partner)[:1]
                job.notes.append(
                    f"reply from another address than the recipient's: {sender}"
                )

    @api.model
    def _natero_reply_other_authors(self, jobs):
        """{(address, company id): contacts} of replies whose sender is not
        the recipient (a colleague, another mailbox), in one search."""
        wanted = {
            job.parsed.outer_from
            for job in jobs
            if job.parsed.outer_from
            not in (
                job.log.natero_trigger_send_id.email,
                job.log.natero_trigger_send_id.partner_id.email_normalized,
            )
        }
        if not wanted:
            return {}
        companies = self.env["res.company"].union(*(j.log.company_id for j in jobs))
        found = self.env["res.partner"]._natero_find_contacts(wanted, companies)
        return {
            (address, company.id): partners._natero_usable_by(company)
            for address, partners in found.items()
            for company in companies
        }

    def _natero_render_body(self, job):
        """The mark of a reply says which trigger it answers, and whether it
        came from another address than the recipient's."""
        send = job.log.natero_trigger_send_id
        if job.log.kind != REPLY or not send:
            return super()._natero_render_body(job)
        sender = job.parsed.outer_from
        if job.author == send.partner_id:
            text = self.env._(
                "Reply to trigger %(trigger)s", trigger=send.trigger_id.name
            )
        else:
            text = self.env._(
                "Reply to trigger %(trigger)s, from another address than the "
                "recipient's (%(sender)s, sent to %(recipient)s)",
                trigger=send.trigger_id.name,
                sender=sender,
                recipient=send.email,
            )
        mark = Markup('<p class="o_natero_log_mark text-muted small">%s</p>') % text
        # mail.message sanitizes its body on create, as for any logged email.
        return mark + Markup(clean(self._natero_body_source(job)))

    def _natero_step_post(self, jobs):
        """Post; then each reply newly logged marks its send replied and is
        forwarded (a duplicate delivery of it is neither)."""
        result = super()._natero_step_post(jobs)
        replies = [
            job
            for job in self._natero_replies(jobs)
            if job.decision and job.decision.code == "logged"
        ]
        if replies:
            self.env["natero.trigger.send"]._register_replies(
                self.env["natero.trigger.send"].union(
                    *(job.log.natero_trigger_send_id for job in replies)
                )
            )
            self._natero_forward_replies(replies)
        return result

    # ================================================================ forward

    def _natero_forward_replies(self, jobs):
        """T9: one ``mail.mail`` per reply to the trigger's reply-to person
        (else its owner), the customer as Reply-To; queued in this
        transaction, sent by Odoo's mail queue. The notes just posted on the
        contacts give the body and attachments (one search)."""
        notes = self.env["mail.message"].search_fetch(
            [
                ("natero_log_key", "in", [job.log.dedupe_key for job in jobs]),
                ("model", "=", "res.partner"),
                (
                    "res_id",
                    "in",
                    [job.log.natero_trigger_send_id.partner_id.id for job in jobs],
                ),
            ],
            ["natero_log_key", "res_id", "body", "attachment_ids"],
        )
        by_key = {(note.natero_log_key, note.res_id): note for note in notes}
        vals_list = []
        for job in jobs:
            send = job.log.natero_trigger_send_id
            note = by_key.get((job.log.dedupe_key, send.partner_id.id))
            vals = self._natero_reply_forward_values(job, send, note)
            if vals:
                vals_list.append(vals)
                job.notes.append(f"forwarded to {vals['email_to']}")
            else:
                job.notes.append(
                    "not forwarded: the trigger has no reply-to person or owner email"
                )
        if vals_list:
            # sudo: mail.mail is for administrators; the engine forwards a reply
            # it logged to the person the trigger names, never to a customer.
            self.env["mail.mail"].sudo().create(vals_list)
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()

    def _natero_reply_forward_values(self, job, send, note):
        """The ``mail.mail`` forwarding the reply of ``job``; None when the
        trigger names nobody to forward to."""
        trigger = send.trigger_id
        email_to = trigger._get_reply_person()
        if not email_to:
            return None
        sender = job.parsed.outer_from
        name = job.author.name if job.author else ""
        customer = formataddr((name or "", sender))
        alias_domain = send.company_id.alias_domain_id
        email_from = formataddr(
            (
                self.env._("%(customer)s (reply)", customer=name or sender),
                alias_domain.default_from_email or trigger.email_from,
            )
        )
        intro = Markup("<p>%s</p>") % self.env._(
            "%(customer)s replied to %(trigger)s (sent to %(recipient)s on %(day)s). "
            "Reply to this email to answer them: it goes to %(address)s. The reply "
            "is logged on %(records)s.",
            customer=customer,
            trigger=trigger.name,
            recipient=send.email,
            day=send.local_day,
            address=sender,
            records=", ".join(t.display_name for t in self._natero_targets(job)),
        )
        body = note.body if note else escape(job.log.subject or "")
        return {
            "subject": job.log.subject or self.env._("Reply to %s", trigger.name),
            "body_html": intro + Markup("<hr/>") + body,
            "email_from": email_from,
            "email_to": email_to,
            "reply_to": customer,
            "attachment_ids": [(6, 0, note.attachment_ids.ids)] if note else [],
            "message_type": "email_outgoing",
            "auto_delete": True,
            # the owner's out-of-office must never answer the customer
            "headers": repr(
                {
                    "Auto-Submitted": "auto-generated",
                    "X-Auto-Response-Suppress": "All",
                }
            ),
        }
