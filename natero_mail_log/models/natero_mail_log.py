# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One inbound email sent to a log address (L1), kept with its state.

The gateway capture (``natero_mail_log_capture.py``) stores the raw mail as a
pending log; the cron runs the pipeline (``natero_mail_log_pipeline.py``) over
pending logs, whose last step posts them (``natero_mail_log_post.py``).  All
three are mixins of this model, as ``mail.thread`` is of Odoo's models: their
methods are this model's, and an addon overrides them here.
"""

import logging
from pathlib import Path

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .. import compat
from ..tools import policy
from .natero_mail_log_pipeline import Job, Picks, clean

_logger = logging.getLogger(__name__)

# In the order the form's status bar shows them: an unassigned email becomes
# logged once linked by hand.
LOG_STATES = [
    ("pending", "Pending"),
    ("unassigned", "Unassigned"),
    ("logged", "Logged"),
    ("rejected", "Rejected"),
    ("ignored", "Ignored"),
    ("error", "Error"),
]
KINDS = [("bcc", "BCC"), ("forward", "Forward"), ("manual", "Manual")]
BATCH_SIZE = 200
# The processing crons (data/ir_cron_data.xml), one per lane: lane k takes the
# logs whose id is k modulo LANES first (see _cron_process_pending).
LANE_CRONS = (
    "natero_mail_log.ir_cron_natero_mail_log_process",
    "natero_mail_log.ir_cron_natero_mail_log_process_lane_1",
    "natero_mail_log.ir_cron_natero_mail_log_process_lane_2",
    "natero_mail_log.ir_cron_natero_mail_log_process_lane_3",
)
LANES = len(LANE_CRONS)


class NateroMailLog(models.Model):
    _name = "natero.mail.log"
    _inherit = [
        "mail.thread",
        "natero.mail.log.capture",
        "natero.mail.log.pipeline",
        "natero.mail.log.post",
        "natero.mail.log.display",
    ]
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
    attribution_rule = fields.Char(
        readonly=True,
        help="Why the email counts for its user (L4): their personal log "
        "address, a connected address, their login or email, an alias; the "
        "first to connect an address, or the oldest account, when several "
        "users have it.",
    )
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
    linked_by_id = fields.Many2one(
        "res.users", string="Linked by", readonly=True, copy=False
    )
    linked_at = fields.Datetime(string="Linked on", readonly=True, copy=False)
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

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        """Notices on a log (L6, L7) reach users in their Odoo inbox, never by
        email, whatever their notification preference: they are about mail
        Odoo received, and without an outgoing mail server an email
        notification only shows as a red delivery failure on the log."""
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        for data in recipients:
            if data.get("notif") == "email" and not data.get("share"):
                data["notif"] = "inbox"
        return recipients

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
    def _cron_process_pending(self, batch_size=BATCH_SIZE, lane=0):
        """Process one batch of pending logs; ir.cron re-runs while some remain.

        Each processing cron is a lane (``LANE_CRONS``): Odoo runs one cron in
        one worker at a time, so several lanes are what lets the cron workers
        of several Odoo servers work side by side.  Lane ``lane`` takes its
        own share first (log id modulo ``LANES``), so lanes do not meet on the
        same rows, then helps with any other pending log no worker holds (a
        stopped lane, a crashed batch); rows are locked ``FOR UPDATE SKIP
        LOCKED``, so no two workers ever hold the same log.  Odoo's cron runner
        commits after each call: one batch, one transaction.
        """
        conflict = False
        try:
            logs = self._natero_lock_pending(batch_size, lane=lane)
        except psycopg2.errors.SerializationFailure:
            # Another worker processed logs of this transaction's snapshot and
            # committed since: take them in a new transaction, at once.
            logs, conflict = self.browse(), True
        logs._natero_process()
        remaining = self.search_count([("state", "=", "pending")])
        compat.cron_progress(self.env, processed=len(logs), remaining=remaining)
        busy = logs or conflict
        if busy and remaining and (cron_id := self.env.context.get("cron_id")):
            # Odoo reruns a cron with work left "as soon as possible", but its
            # worker then sleeps until woken (up to a minute): wake it now.  A
            # lane that found nothing free (others hold the rest) does not.
            self.env["ir.cron"].browse(cron_id)._trigger()
        _logger.info(
            "Email log: lane %s processed %s logs, %s pending",
            lane,
            len(logs),
            remaining,
        )

    def _natero_trigger_cron(self):
        """Wake the processing lane of each log of ``self`` (lane 0 for an
        empty recordset), once per lane and transaction; a lane whose cron is
        inactive or gone hands over to lane 0."""
        lanes = {log.id % LANES for log in self} if self.ids else {0}
        done = self.env.cr.precommit.data.setdefault("natero_mail_log.triggered", set())
        for lane in sorted(lanes - done):
            done.add(lane)
            cron = self.env.ref(LANE_CRONS[lane], raise_if_not_found=False)
            if not (cron and cron.active):
                cron = self.env.ref(LANE_CRONS[0])
            cron._trigger()

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
    def _natero_lock_pending(self, limit, exclude=(), lane=None):
        """Take up to ``limit`` pending logs no other worker holds: for a
        ``lane``, the lane's own share (id modulo ``LANES``) first."""
        self.env.flush_all()
        ids = []
        if lane is not None:
            ids = self._natero_lock_rows(
                limit, exclude, SQL("AND mod(id, %s) = %s", LANES, lane % LANES)
            )
        if len(ids) < limit:
            ids += self._natero_lock_rows(limit - len(ids), [*exclude, *ids], SQL())
        # sudo: processing is the engine's work (the cron, or a checked retry).
        return self.sudo().browse(ids)

    @api.model
    def _natero_lock_rows(self, limit, exclude, where):
        """Lock pending rows; in a savepoint, so that a serialization failure
        (a row of our snapshot changed since by another worker) leaves the
        transaction usable."""
        with self.env.cr.savepoint(flush=False):
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM natero_mail_log WHERE state = 'pending' "
                    "AND NOT id = ANY(%s) %s ORDER BY id LIMIT %s "
                    "FOR UPDATE SKIP LOCKED",
                    list(exclude),
                    where,
                    limit,
                ),
                log_exceptions=False,
            )
            return [row[0] for row in self.env.cr.fetchall()]

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
        """Log this email on records picked by hand (L6): the pipeline's steps,
        as for any email, with the picked records as its targets (the size
        limits apply, L7).  Returns the decision; raises UserError when the
        stored mail cannot be read."""
        self.ensure_one()
        self._natero_check_link_access(partners, leads)
        # sudo: posting on the picked records as the gateway does; access to the
        # log and to the picked records was checked just above.
        log = self.sudo()
        job = Job(log, picks=Picks(self.env.user, partners, leads))
        log._natero_run([job])
        if job.decision.state == policy.ERROR:
            raise UserError(job.decision.reason)
        if job.decision.state == policy.LOGGED:
            # The email keeps its kind (a BCC stays a BCC); who linked it and
            # when is kept beside it, and said in the chatter mark.
            log.write(
                {"linked_by_id": self.env.uid, "linked_at": fields.Datetime.now()}
            )
        return job.decision

    def _natero_check_link_access(self, partners, leads):
        """Only the log's user or a manager links it, and only on records they
        may post on: the access Odoo's message_post requires of them (write,
        or the model's _mail_post_access), not merely to read them."""
        self.check_access("read")
        if not (
            self.user_id == self.env.user
            or self.env.user.has_group("natero_mail_log.group_natero_mail_log_manager")
        ):
            raise AccessError(self.env._("Only its sender or a manager can link it."))
        for records in (partners, leads):
            compat.check_message_post_access(records)

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
