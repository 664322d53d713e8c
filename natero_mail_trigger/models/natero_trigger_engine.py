# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The engine of natero.trigger (T4-T6): the schedule of each trigger, the
cron that generates the lists and sends them, and the rendering of the
emails.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, formataddr

from .. import compat
from ..compat import expression
from ..tools import controls, schedule
from .natero_trigger_send import COUNTED_STATES, engine

_logger = logging.getLogger(__name__)

SEND_BATCH_SIZE = 500


class NateroTriggerEngine(models.AbstractModel):
    """The generate/send side of ``natero.trigger``, which inherits it."""

    _name = "natero.trigger.engine"
    _description = "Email trigger: generate and send engine"

    # ============================================================ schedule (T4)

    def _minutes(self):
        return (
            schedule.float_to_minutes(self.generate_time),
            schedule.float_to_minutes(self.send_time),
        )

    def _reschedule(self, now=None):
        """Store the next generate instant of active triggers and the send
        instant of their waiting list (the first send time at or after the
        generate time of the list's day). Triggers given the same instants are
        written together."""
        now = now or fields.Datetime.now()
        by_vals = defaultdict(list)
        for trigger in self:
            tz = trigger.schedule_tz
            gen_minutes, send_minutes = trigger._minutes()
            last_day = trigger.last_generate_day
            vals = {
                "next_generate_at": schedule.next_occurrence(
                    now,
                    gen_minutes,
                    tz,
                    min_day=last_day + timedelta(days=1) if last_day else None,
                ),
            }
            if trigger.pending_day:
                vals["next_send_at"] = schedule.send_at(
                    trigger.pending_day, gen_minutes, send_minutes, tz
                )
            by_vals[tuple(sorted(vals.items()))].append(trigger.id)
        for vals, ids in by_vals.items():
            self.browse(ids).write(dict(vals))

    @api.model
    def _reschedule_owners(self, partners):
        """Reschedule the active triggers owned by the users of ``partners``,
        whose time zone changed: one search, then :meth:`_reschedule`."""
        # sudo: the time zone was changed by someone allowed to change it (the
        # write is done); the stored instants of every trigger the user owns must
        # follow it, whether or not that person may edit those triggers
        triggers = self.sudo()
        owned = triggers.with_context(active_test=False).search(
            [("state", "=", "active"), ("user_id.partner_id", "in", partners.ids)]
        )
        triggers.browse(owned.ids)._reschedule()

    # ================================================================== engine

    @api.model
    def _get_due_domain(self, now):
        return [
            ("state", "=", "active"),
            "|",
            ("next_generate_at", "<=", now),
            ("next_send_at", "<=", now),
        ]

    @api.model
    def _lock_due(self, now):
        """Due triggers, locked (``FOR UPDATE SKIP LOCKED``): one search on the
        stored, indexed next instants; triggers another worker holds are left
        to it."""
        query = self._search(self._get_due_domain(now), order="priority desc, id")
        rows = self.env.execute_query(
            SQL(
                "%s FOR UPDATE SKIP LOCKED",
                query.select(SQL.identifier(self._table, "id")),
            )
        )
        return self.browse([row[0] for row in rows])

    @api.model
    def _cron_process(self, batch_size=SEND_BATCH_SIZE):
        """Frequent cron: send due lists, generate due lists, send those due at
        once. At most ``batch_size`` emails per call; the cron runs again at once
        while some remain (``compat.cron_progress``)."""
        now = fields.Datetime.now()
        due = self._lock_due(now)
        sent, remaining = due._due_to_send(now)._run_send(now, batch_size)
        generating = due.filtered(
            lambda t: t.next_generate_at and t.next_generate_at <= now
        )
        generated = generating._run_generate(now)
        if sent < batch_size:
            more, remaining_now = generating._due_to_send(now)._run_send(
                now, batch_size - sent
            )
            sent, remaining = sent + more, remaining + remaining_now
        compat.cron_progress(self.env, processed=sent, remaining=remaining)
        _logger.info(
            "Email triggers cron: %s due, %s generated (%s recipients), %s emails "
            "queued, %s remaining",
            len(due),
            len(generating),
            generated,
            sent,
            remaining,
        )
        return sent

    def _due_to_send(self, now):
        return self.filtered(lambda t: t.next_send_at and t.next_send_at <= now)

    # ------------------------------------------------------------- generation

    def _run_generate(self, now):
        """Generate the list due at ``now`` of each trigger in ``self``, in one
        pass over the controls, triggers in priority order (T4). Returns the
        number of send rows created."""
        runs = {}
        for trigger in self:
            day = schedule.local_day(
                schedule.last_occurrence(
                    now, trigger._minutes()[0], trigger.schedule_tz
                ),
                trigger.schedule_tz,
            )
            if not trigger.last_generate_day or day > trigger.last_generate_day:
                runs[trigger] = day  # else: this day's list exists (made by hand)
        created = self._generate_runs(runs)
        self._reschedule(now)
        return created

    def _generate_runs(self, runs):
        """Create the send rows of ``runs`` (``{trigger: local day}``) and mark
        each trigger's list of that day as waiting to be sent.

        Queries: one search per trigger for its candidates, one for the send
        history of all candidates, one batch insert; independent of the number
        of recipients otherwise.
        """
        if not runs:
            return 0
        Send = engine(self.env["natero.trigger.send"].sudo())
        self._cancel_stale_lists(Send, runs)
        candidates, partners = self._find_candidates(runs)
        vals_list = self._decide_sends(runs, candidates, partners)
        Send.create(vals_list)
        for trigger, day in runs.items():
            trigger.write({"last_generate_day": day, "pending_day": day})
        return len(vals_list)

    @api.model
    def _cancel_stale_lists(self, Send, runs):
        """A list left unsent from an earlier day is not sent any more."""
        stale = Send.search(
            [
                ("trigger_id", "in", [t.id for t in runs]),
                ("state", "=", "generated"),
            ]
        ).filtered(lambda send: send.local_day < runs[send.trigger_id])
        stale._set_state(
            "cancelled", failure_reason=self.env._("Not sent before the next list")
        )

    @api.model
    def _find_candidates(self, runs):
        """``({trigger_id: [partner ids]}, {partner_id: partner})``: the
        contacts matching each trigger's rules now, one search per trigger."""
        candidates, partners = {}, {}
        for trigger in runs:
            found = (
                trigger._partner_model()
                .sudo()
                .search_fetch(
                    trigger._get_recipient_domain(),
                    ["email_normalized", "commercial_partner_id"],
                    order="id",
                )
            )
            candidates[trigger.id] = found.ids
            partners.update((partner.id, partner) for partner in found)
        return candidates, partners

    @api.model
    def _decide_sends(self, runs, candidates, partners):
        """The values of the send rows the controls select (T4), day by day,
        triggers in priority order; what is selected counts for the next."""
        last_trigger_send, last_any_send, replied = self._get_send_history(
            list(partners)
        )
        by_day = defaultdict(list)
        for trigger, day in runs.items():
            by_day[day].append(trigger)
        vals_list = []
        for day in sorted(by_day):
            decisions = controls.decide(
                day,
                [trigger._get_controls() for trigger in by_day[day]],
                candidates,
                last_trigger_send,
                last_any_send,
                replied=replied,
            )
            for decision in decisions:
                if decision.selected:
                    last_any_send[decision.user_id] = day
                    partner = partners[decision.user_id]
                    vals_list.append(self._get_send_values(decision, partner, day))
            self._log_decisions(day, decisions)
        return vals_list

    def _get_send_values(self, decision, partner, day):
        """The values of the send row of a selected ``decision`` on ``day``."""
        return {
            "trigger_id": decision.trigger_id,
            "partner_id": partner.id,
            "account_id": partner.commercial_partner_id.id,
            "email": partner.email_normalized,
            "local_day": day,
            "company_id": self.browse(decision.trigger_id).company_id.id,
        }

    def _get_controls(self):
        self.ensure_one()
        return controls.TriggerControls(
            trigger_id=self.id,
            priority=self.priority,
            global_delay_days=self.global_delay_days,
            retrigger_delay_days=self.retrigger_delay_days,
            never_retrigger=self.never_retrigger,
            stop_if_replied=self.stop_if_replied
            or self.company_id.natero_trigger_stop_replied,
        )

    @api.model
    def _get_send_history(self, partner_ids):
        """``({(trigger_id, partner_id): last day}, {partner_id: last day},
        {(trigger_id, partner_id) who replied})`` of the triggered emails (any
        trigger) to ``partner_ids``, in one query."""
        if not partner_ids:
            return {}, {}, set()
        groups = (
            self.env["natero.trigger.send"]
            .sudo()
            ._read_group(
                [("partner_id", "in", partner_ids), ("state", "in", COUNTED_STATES)],
                ["trigger_id", "partner_id"],
                ["local_day:max", "replied_at:max"],
            )
        )
        last_trigger_send, last_any_send, replied = {}, {}, set()
        for trigger, partner, last_day, replied_at in groups:
            last_trigger_send[trigger.id, partner.id] = last_day
            if replied_at:
                replied.add((trigger.id, partner.id))
            previous = last_any_send.get(partner.id)
            if previous is None or last_day > previous:
                last_any_send[partner.id] = last_day
        return last_trigger_send, last_any_send, replied

    def _log_decisions(self, day, decisions):
        counts = {}
        for decision in decisions:
            key = (decision.trigger_id, decision.code)
            counts[key] = counts.get(key, 0) + 1
        for trigger in self.browse(sorted({d.trigger_id for d in decisions})):
            summary = {
                code: count
                for (tid, code), count in counts.items()
                if tid == trigger.id
            }
            _logger.info(
                "Email trigger %s (id %s) list of %s: %s",
                trigger.name,
                trigger.id,
                day,
                summary,
            )

    # ---------------------------------------------------------------- sending

    def _run_send(self, now, limit):
        """Send up to ``limit`` rows of the pending lists of ``self`` (T6).

        Returns ``(queued, remaining)``; a trigger whose list is done gets no
        next send instant until its next list is generated.
        """
        queued = remaining = 0
        Send = self.env["natero.trigger.send"].sudo()
        for trigger in self:
            rows = Send._lock_pending(
                trigger, trigger.pending_day, max(limit - queued, 0)
            )
            if rows:
                queued += trigger._send_rows(rows)
            left = Send.search_count(
                [
                    ("trigger_id", "=", trigger.id),
                    ("local_day", "=", trigger.pending_day),
                    ("state", "=", "generated"),
                ]
            )
            remaining += left
            if not left:
                trigger.write(
                    {"next_send_at": False, "pending_day": False, "last_send_at": now}
                )
        return queued, remaining

    def _send_rows(self, rows):
        """Queue one personalised ``mail.mail`` per row; rows that may not
        receive any more (blacklisted, no email, archived, rules) are cancelled.
        """
        self.ensure_one()
        rows = self._filter_deliverable(rows)
        if not rows:
            return 0
        rendered = self._render(rows.partner_id.ids)
        bodies = self._track_bodies(
            rows, {row.id: rendered[row.partner_id.id][1] for row in rows}
        )
        reply_to, reply_alias = self._get_reply_to(), self._get_reply_alias()
        mails = (
            self.env["mail.mail"]
            .sudo()
            .create(
                [
                    self._get_mail_values(
                        row,
                        rendered[row.partner_id.id][0],
                        bodies[row.id],
                        self._get_send_reply_to(row, reply_alias, reply_to),
                    )
                    for row in rows
                ]
            )
        )
        for row, mail in zip(rows, mails, strict=True):
            row._set_state("queued", message_id=mail.message_id, subject=mail.subject)
        # T8: the accounts are logged when the emails go out (mail.mail's
        # result, natero.trigger.send._mark_mail_result), failed ones never
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        return len(rows)

    def _get_mail_values(self, row, subject, body, reply_to):
        """The ``mail.mail`` of send ``row``: its rendered ``subject`` and
        ``body`` with the row's own unsubscribe URL; ``reply_to``, the row's
        own reply address (T9), is in the mail's values, so that every way
        of sending it carries it."""
        url = self._get_unsubscribe_url(row)
        return {
            "natero_trigger_send_id": row.id,
            "subject": self._personalise(subject, url),
            "body_html": self._personalise(body, url),
            "email_from": self.email_from,
            "email_to": formataddr((row.partner_id.name or "", row.email)),
            "reply_to": reply_to,
            "model": "res.partner",
            "res_id": row.partner_id.id,
            "record_name": row.partner_id.name,
            "message_type": "email_outgoing",
            "author_id": self.user_id.partner_id.id,
            "headers": repr(self._get_mail_headers(url)),
            "auto_delete": True,
        }

    def _get_mail_headers(self, unsubscribe_url):
        """One-click unsubscribe (RFC 8058), bulk, no auto-replies; the BCC."""
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Precedence": "bulk",
            "X-Auto-Response-Suppress": "OOF",
        }
        if self.email_bcc:
            headers["Bcc"] = self.email_bcc
        return headers

    def _filter_deliverable(self, rows):
        """Rows whose user may still receive: re-check at send time (T6)."""
        self.ensure_one()
        partners = rows.partner_id.with_context(active_test=False)
        blacklisted = self._get_blacklisted(partners)
        matching = self._get_still_matching(partners)
        Send = self.env["natero.trigger.send"]
        reasons = defaultdict(lambda: Send)
        for row in rows:
            reason = self._undeliverable_reason(row, blacklisted, matching)
            if reason:
                reasons[reason] |= row
            elif row.partner_id.email_normalized != row.email:
                row._set_state("generated", email=row.partner_id.email_normalized)
        cancelled = Send
        for reason, cancelled_rows in reasons.items():
            cancelled_rows._set_state("cancelled", failure_reason=reason)
            cancelled |= cancelled_rows
        return rows - cancelled

    @api.model
    def _get_blacklisted(self, partners):
        """The blacklisted addresses of ``partners``, in one search."""
        emails = {partner.email_normalized for partner in partners} - {False}
        return set(
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", list(emails))])
            .mapped("email")
        )

    def _get_still_matching(self, partners):
        """The ids of ``partners`` matching the rules now, in one search; None
        when the rules are not checked again at send time."""
        if not self.recheck_rules_at_send:
            return None
        domain = expression.AND(
            [[("id", "in", partners.ids)], self._get_recipient_domain()]
        )
        return set(self._partner_model().sudo().search(domain).ids)

    def _undeliverable_reason(self, row, blacklisted, matching):
        """Why send ``row`` may not be sent any more, or None."""
        partner = row.partner_id
        email = partner.email_normalized
        if not partner.active or not email:
            return self.env._("No active contact with an email")
        if email in blacklisted:
            return self.env._("Blacklisted (unsubscribed)")
        if matching is not None and partner.id not in matching:
            return self.env._("No longer matches the rules")
        return None
