from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

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

# Only the engine writes send rows (STYLE 9): an object identity cannot come
# through RPC, so a client cannot forge this context key.
_ENGINE = object()
ENGINE_CONTEXT_KEY = "natero_trigger_engine"


def engine(records):
    """``records`` allowed to create/write send rows."""
    return records.with_context(**{ENGINE_CONTEXT_KEY: _ENGINE})


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
    generated_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    removed_at = fields.Datetime(readonly=True)
    removed_by_id = fields.Many2one("res.users", readonly=True)
    queued_at = fields.Datetime(readonly=True)
    sent_at = fields.Datetime(readonly=True)
    failed_at = fields.Datetime(readonly=True)
    unsubscribed_at = fields.Datetime(readonly=True)
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
        if self.env.context.get(ENGINE_CONTEXT_KEY) is not _ENGINE:
            raise AccessError(
                self.env._(
                    "Email trigger sends are written by the trigger engine only."
                )
            )

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
        """Send rows of ``mails`` become sent or failed (hook of ``mail.mail``)."""
        sends = mails.natero_trigger_send_id.filtered(
            lambda send: send.state in ("queued", "sent")
        )
        if not sends:
            return
        if failure_type:
            reason = failure_reason or dict(
                mails._fields["failure_type"]._description_selection(self.env)
            ).get(failure_type, failure_type)
            sends._set_state("failed", failure_reason=reason)
        else:
            sends.filtered(lambda send: send.state == "queued")._set_state("sent")

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
