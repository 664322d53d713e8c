# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .. import compat
from ..tools import tracking

# T4-T6 states of one recipient of one trigger on one local day
STATES = [
    ("generated", "Generated"),
    ("removed", "Removed"),
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("bounced", "Bounced"),
    ("cancelled", "Cancelled"),
]
# states that count as "a triggered email to this user" for the controls (T4)
COUNTED_STATES = ("generated", "queued", "sent", "bounced")
# states still waiting for the send time, editable by reviewers
PENDING_STATES = ("generated", "removed")
# states of an email that was attempted: the "recipients" of the statistics (T7)
ATTEMPTED_STATES = ("queued", "sent", "failed", "bounced")
# T7 measures: the sends each number of the statistics counts
MEASURE_DOMAINS = {
    "recipients": [],
    "delivered": [("state", "=", "sent")],
    "opened": [("opened_at", "!=", False)],
    "auto_opened": [("auto_opened_at", "!=", False), ("opened_at", "=", False)],
    "clicked": [("clicked_at", "!=", False)],
    "failed": [("state", "in", ("failed", "bounced"))],
    "unsubscribed": [("unsubscribed_at", "!=", False)],
    "replied": [("replied_at", "!=", False)],
}

# Only the engine writes send rows (STYLE 9): an object identity cannot come
# through RPC, so a client cannot forge this context key.
_ENGINE = object()
ENGINE_CONTEXT_KEY = "natero_trigger_engine"


def engine(records):
    """``records`` allowed to create/write send rows."""
    return records.with_context(**{ENGINE_CONTEXT_KEY: _ENGINE})


def _check_engine(records):
    """Refuse writes that do not come from the engine (STYLE 9)."""
    if records.env.context.get(ENGINE_CONTEXT_KEY) is not _ENGINE:
        raise AccessError(
            records.env._(
                "Email trigger sends and logs are written by the trigger engine only."
            )
        )


@compat.sql_constraints
class NateroTriggerSend(models.Model):
    """One recipient of one trigger on one local day (SPEC T4, T6).

    Created when the trigger's list is generated, reviewed until its send time,
    then sent as one ``mail.mail``. UNIQUE(trigger, partner, local day) makes
    "never twice the same trigger to the same user in one day" a database fact.
    The times of each state are kept for monitoring (T7).
    """

    _name = "natero.trigger.send"
    _description = "Email trigger send"
    _order = "local_day desc, id desc"
    _rec_name = "partner_id"

    trigger_id = fields.Many2one(
        "natero.trigger", required=True, ondelete="cascade", readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="User",
        required=True,
        ondelete="cascade",
        readonly=True,
        index=True,
    )
    account_id = fields.Many2one(
        "res.partner",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )
    email = fields.Char(readonly=True, help="Normalised address used for this send.")
    local_day = fields.Date(
        string="Day",
        required=True,
        readonly=True,
        help="Day of the run in the trigger owner's time zone.",
    )
    state = fields.Selection(
        STATES, required=True, default="generated", readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    generated_at = fields.Datetime(
        string="Generated", readonly=True, default=fields.Datetime.now
    )
    removed_at = fields.Datetime(readonly=True)
    removed_by_id = fields.Many2one("res.users", readonly=True)
    queued_at = fields.Datetime(string="Queued", readonly=True)
    sent_at = fields.Datetime(string="Sent", readonly=True)
    failed_at = fields.Datetime(string="Failed", readonly=True)
    unsubscribed_at = fields.Datetime(string="Unsubscribed", readonly=True)
    # T7 tracking: first times are set once; counts grow with every hit
    opened_at = fields.Datetime(
        string="Opened", readonly=True, help="First open by a person (pixel or click)."
    )
    auto_opened_at = fields.Datetime(
        string="Automated open",
        readonly=True,
        help="First open by a machine: an image proxy, a privacy feature (Apple "
        "Mail Privacy Protection) or a scanner, or an open seconds after sending. "
        "Not counted as opened.",
    )
    auto_open_reason = fields.Char(string="Automated open reason", readonly=True)
    open_count = fields.Integer(
        string="Opens", readonly=True, help="Every open, automated ones included."
    )
    clicked_at = fields.Datetime(string="Clicked", readonly=True)
    click_count = fields.Integer(string="Clicks", readonly=True)
    link_click_ids = fields.One2many(
        "link.tracker.click", "natero_trigger_send_id", string="Link clicks"
    )
    replied_at = fields.Datetime(
        string="Replied",
        readonly=True,
        help="First reply to this email through its reply address (T9); "
        "auto-replies, out-of-office and bounces are not replies.",
    )
    failure_reason = fields.Text(readonly=True)
    message_id = fields.Char(
        string="Message-Id",
        readonly=True,
        index="btree_not_null",
        help="Message-Id of the email, to match bounces.",
    )
    subject = fields.Char(readonly=True, help="Rendered subject as sent.")

    _sql_constraints = [
        (
            "trigger_partner_day_unique",
            "UNIQUE(trigger_id, partner_id, local_day)",
            "A trigger sends at most one email to a user per day.",
        ),
    ]

    # ------------------------------------------------------------------
    # engine-only writes
    # ------------------------------------------------------------------

    def _check_engine(self):
        _check_engine(self)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_engine()
        missing = {
            vals["trigger_id"] for vals in vals_list if not vals.get("company_id")
        }
        if missing:
            companies = {
                trigger.id: trigger.company_id.id
                for trigger in self.env["natero.trigger"].sudo().browse(missing)
            }
            for vals in vals_list:
                vals.setdefault("company_id", companies.get(vals["trigger_id"]))
        return super().create(vals_list)

    def write(self, vals):
        self._check_engine()
        return super().write(vals)

    # ------------------------------------------------------------------
    # review (T4: edit the list until the send time)
    # ------------------------------------------------------------------

    def action_remove(self):
        self._check_reviewable()
        engine(self.filtered(lambda send: send.state == "generated")).write(
            {
                "state": "removed",
                "removed_at": fields.Datetime.now(),
                "removed_by_id": self.env.uid,
            }
        )
        return True

    def action_restore(self):
        self._check_reviewable()
        engine(self.filtered(lambda send: send.state == "removed")).write(
            {"state": "generated", "removed_at": False, "removed_by_id": False}
        )
        return True

    def _check_reviewable(self):
        self.check_access("write")
        if any(send.state not in PENDING_STATES for send in self):
            raise UserError(self.env._("Only recipients not sent yet can be edited."))
        stale = self.filtered(
            lambda send: send.local_day != send.trigger_id.pending_day
        )
        if stale:
            raise UserError(
                self.env._("Only the list waiting for its send time can be edited.")
            )

    def action_preview(self):
        self.ensure_one()
        return self.trigger_id.action_open_preview(partner=self.partner_id)

    # ------------------------------------------------------------------
    # sending (T6)
    # ------------------------------------------------------------------

    @api.model
    def _lock_pending(self, trigger, day, limit):
        """Lock up to ``limit`` generated rows of ``trigger`` for ``day``.

        ``FOR UPDATE SKIP LOCKED``: rows another worker is sending are skipped,
        so two workers never send the same row.
        """
        self.flush_model(["trigger_id", "local_day", "state"])
        rows = self.env.execute_query(
            SQL(
                """SELECT id FROM natero_trigger_send
                    WHERE trigger_id = %s AND local_day = %s AND state = 'generated'
                    ORDER BY id LIMIT %s
                    FOR UPDATE SKIP LOCKED""",
                trigger.id,
                day,
                limit,
            )
        )
        return self.browse([row[0] for row in rows])

    def _set_state(self, state, **values):
        """Engine write of ``state`` and its time, grouped in one flush."""
        time_field = {
            "queued": "queued_at",
            "sent": "sent_at",
            "failed": "failed_at",
            "bounced": "failed_at",
        }.get(state)
        if time_field and time_field not in values:
            values[time_field] = fields.Datetime.now()
        return engine(self).write({"state": state, **values})

    @api.model
    def _mark_mail_result(self, mails, failure_type=None, failure_reason=None):
        """Send rows of ``mails`` become sent or failed (hook of ``mail.mail``);
        the sent ones are logged on their accounts (T8)."""
        sends = mails.natero_trigger_send_id.filtered(
            lambda send: send.state in ("queued", "sent")
        )
        if not sends:
            return
        if failure_type:
            # the server's own words when Odoo kept them on the email (a
            # connection refused), else the failure type's label
            default = dict(
                mails._fields["failure_type"]._description_selection(self.env)
            ).get(failure_type, failure_type)
            by_reason = {}
            for mail in mails.filtered(lambda m: m.natero_trigger_send_id in sends):
                reason = failure_reason or mail.failure_reason or default
                by_reason[reason] = by_reason.get(reason, self) | (
                    mail.natero_trigger_send_id
                )
            for reason, failed in by_reason.items():
                failed._set_state("failed", failure_reason=reason)
        else:
            sent = sends.filtered(lambda send: send.state == "queued")
            sent._set_state("sent")
            # T8: only the emails that went out are logged on their accounts
            Log = self.env["natero.trigger.account.log"].sudo()
            for trigger, trigger_sends in sent.grouped("trigger_id").items():
                Log._log_sends(trigger, trigger_sends)

    # ------------------------------------------------------------------
    # tracking (T7): set-once times, in one atomic UPDATE each
    # ------------------------------------------------------------------

    @api.model
    def _get_measure_domain(self, measure):
        """Domain of the sends counted by ``measure`` of the statistics."""
        if measure not in MEASURE_DOMAINS:
            raise UserError(self.env._("Unknown measure %s.", measure))
        return [("state", "in", ATTEMPTED_STATES), *MEASURE_DOMAINS[measure]]

    def _register_open(self, user_agent, threshold=None):
        """Record an open of this send's email; return the ``OpenVerdict``.

        A person's first open sets ``opened_at``, a machine's first open
        ``auto_opened_at``; later opens only count. Idempotent and safe with
        concurrent hits: ``COALESCE`` in one UPDATE.
        """
        self.ensure_one()
        now = fields.Datetime.now()
        sent = self.sent_at or self.queued_at
        verdict = tracking.classify_open(
            user_agent,
            (now - sent).total_seconds() if sent else None,
            **({"threshold": threshold} if threshold is not None else {}),
        )
        if verdict.automated:
            assignments = SQL(
                "auto_opened_at = COALESCE(auto_opened_at, %s), "
                "auto_open_reason = COALESCE(auto_open_reason, %s)",
                now,
                verdict.code,
            )
        else:
            assignments = SQL("opened_at = COALESCE(opened_at, %s)", now)
        self._tracking_update(
            SQL("%s, open_count = COALESCE(open_count, 0) + 1", assignments)
        )
        return verdict

    def _register_click(self):
        """Record a click: ``clicked_at`` once, and a click is also an open by
        a person (images may be blocked)."""
        self.ensure_one()
        now = fields.Datetime.now()
        self._tracking_update(
            SQL(
                "clicked_at = COALESCE(clicked_at, %s), "
                "opened_at = COALESCE(opened_at, %s), "
                "click_count = COALESCE(click_count, 0) + 1",
                now,
                now,
            )
        )

    def _tracking_update(self, assignments):
        self.env.execute_query(
            SQL(
                "UPDATE natero_trigger_send SET %s, write_date = %s WHERE id = %s",
                assignments,
                fields.Datetime.now(),
                self.id,
            )
        )
        self.invalidate_recordset()

    @api.model
    def _register_replies(self, sends):
        """T9: ``replied_at`` of ``sends``, set once, in one atomic UPDATE
        (two workers logging replies to the same email keep the first)."""
        if not sends:
            return
        now = fields.Datetime.now()
        self.env.execute_query(
            SQL(
                "UPDATE natero_trigger_send SET replied_at = COALESCE(replied_at, %s),"
                " write_date = %s WHERE id = ANY(%s)",
                now,
                now,
                sends.ids,
            )
        )
        sends.invalidate_recordset(["replied_at"])

    @api.model
    def _mark_bounced(self, message_ids, reason=None):
        """Send rows whose email bounced (hook of the mail gateway)."""
        sends = self.sudo().search(
            [
                ("message_id", "in", list(message_ids)),
                ("state", "in", ("queued", "sent")),
            ]
        )
        if sends:
            sends._set_state("bounced", failure_reason=reason or self.env._("Bounced"))
        return sends
