# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import email_normalize, formataddr

from .. import compat
from ..compat import expression
from ..tools import schedule
from .natero_trigger_links import UNSUBSCRIBE_PLACEHOLDER
from .natero_trigger_send import ATTEMPTED_STATES

STATES = [("draft", "Draft"), ("active", "Active"), ("inactive", "Inactive")]
# "30-day recipients": the runs of the last 30 local days, today included
RECIPIENTS_DAYS = 30
# only what users without the template editor group may write (Settings >
# Restrict Template Rendering): ``object.name`` and a static unsubscribe link
DEFAULT_BODY = f"""<div>
    <p>Hello <t t-out="object.name">there</t>,</p>
    <p>...</p>
    <p style="font-size: 12px; color: #888;">
        <a href="{UNSUBSCRIBE_PLACEHOLDER}">Unsubscribe</a>
    </p>
</div>"""


@compat.sql_constraints
class NateroTrigger(models.Model):
    """An automated customer-success email (SPEC T2-T6).

    One day of a trigger: at the generate time (owner's zone) the recipients
    matching the rules are filtered by the controls and stored as send rows;
    the list can be reviewed until the send time, when each row becomes one
    personalised ``mail.mail``. ``_cron_process`` drives both steps.
    """

    _name = "natero.trigger"
    _description = "Email trigger"
    _inherit = [
        "mail.thread",
        "natero.trigger.rules",
        "natero.trigger.engine",
        "natero.trigger.render",
        "natero.trigger.links",
        "natero.trigger.details",
    ]
    _order = "priority desc, id"

    # ---------------------------------------------------------------- identity
    name = fields.Char(required=True, tracking=True)
    description = fields.Text()
    state = fields.Selection(
        STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        required=True,
        default=lambda self: self.env.user,
        tracking=True,
        domain=[("share", "=", False)],
        help="Generate and send times are in the owner's time zone.",
    )
    schedule_tz = fields.Char(
        string="Time zone",
        compute="_compute_schedule_tz",
        help="The owner's time zone, in which generate and send times are read.",
    )
    # ----------------------------------------------------------------- message
    email_from = fields.Char(
        string="From",
        required=True,
        default=lambda self: self.env.user.email_formatted,
    )
    email_bcc = fields.Char(string="BCC", help="Receives a copy of every email.")
    reply_to_name = fields.Char(string="Reply-to name")
    reply_to_email = fields.Char(string="Reply-to email")
    no_reply = fields.Boolean(
        string="No-reply", help="Replies go to a no-reply address of the company."
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email template",
        readonly=True,
        copy=False,
        ondelete="restrict",
        help="This trigger's own template (on contacts): QWeb body, inline subject.",
    )
    subject = fields.Char(related="mail_template_id.subject", readonly=False)
    body_html = fields.Html(
        related="mail_template_id.body_html", readonly=False, sanitize=False
    )
    placeholder_model = fields.Char(
        compute="_compute_placeholder_model",
        help="Model of ``object`` in the subject and body: the dynamic "
        "placeholder tool offers its fields.",
    )
    template_source_id = fields.Many2one(
        "mail.template",
        string="Load from template",
        domain=[("model", "=", "res.partner")],
        copy=False,
        help="A saved contact template whose subject and body are copied into "
        "this trigger by 'Load'.",
    )
    # ------------------------------------------------------------------- rules
    include_churned = fields.Boolean(string="Users of churned accounts")
    include_inactive = fields.Boolean(string="Inactive users")
    include_crm_contacts = fields.Boolean(string="Users that are CRM contacts")
    include_product_users = fields.Boolean(string="Users that are product users")
    user_domain = fields.Char(
        string="User rule",
        default="[]",
        help="Domain on contacts (users) that must also match.",
    )
    use_account_rule = fields.Boolean(string="Include an account rule")
    account_domain = fields.Char(
        string="Account rule",
        default="[]",
        help="Domain on the user's account (commercial partner).",
    )
    usage_rule_ids = fields.One2many(
        "natero.trigger.usage.rule", "trigger_id", string="Usage rules", copy=True
    )
    candidate_count = fields.Integer(
        string="Candidates",
        compute="_compute_candidate_count",
        help="Contacts matching the include-boxes and the rules now, before the "
        "frequency controls.",
    )
    recheck_rules_at_send = fields.Boolean(
        string="Re-check rules at send time",
        help="At send time, drop recipients who no longer match the rules. "
        "Without it, the reviewed list is sent as is.",
    )
    # ---------------------------------------------------------------- controls
    priority = fields.Integer(
        default=1,
        tracking=True,
        help="Triggers running at the same time are evaluated by priority, "
        "highest first; what a trigger sends counts for the others' global delay.",
    )
    global_delay_days = fields.Integer(
        string="Global trigger delay (days)",
        default=0,
        help="Minimum days between any triggered email to a user and this one.",
    )
    retrigger_delay_days = fields.Integer(
        string="Re-trigger delay (days)",
        default=7,
        help="Minimum days between two emails of this trigger to the same user.",
    )
    never_retrigger = fields.Boolean(
        string="Never re-trigger",
        help="Send this email to the same user only once.",
    )
    stop_if_replied = fields.Boolean(
        string="Stop for users who replied",
        help="A user who replied to an email of this trigger is never sent it "
        "again (auto-replies and out-of-office are not replies). Settings can "
        "do the same for every trigger.",
    )
    generate_time = fields.Float(
        default=8.0, help="Daily time at which the recipient list is generated."
    )
    send_time = fields.Float(default=10.0, help="Daily time at which the list is sent.")
    next_generate_at = fields.Datetime(
        string="Next generate",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the next list is generated.",
    )
    next_send_at = fields.Datetime(
        string="List send time",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the list waiting for its send time is sent; empty when no "
        "list is waiting.",
    )
    upcoming_send_at = fields.Datetime(
        string="Next send",
        compute="_compute_upcoming_send_at",
        help="The next time this trigger sends, while it is active: the waiting "
        "list's send time, else the send time of the next list (the first send "
        "time at or after its generate time, in the owner's time zone).",
    )
    pending_day = fields.Date(
        string="List day",
        readonly=True,
        copy=False,
        help="Day of the list waiting for its send time.",
    )
    last_generate_day = fields.Date(readonly=True, copy=False)
    start_date = fields.Date(string="Started on", readonly=True, copy=False)
    last_send_at = fields.Datetime(string="Last send", readonly=True, copy=False)
    # ------------------------------------------------------------------- sends
    send_ids = fields.One2many("natero.trigger.send", "trigger_id", string="Sends")
    pending_send_ids = fields.One2many(
        "natero.trigger.send",
        string="Recipient list",
        compute="_compute_pending_send_ids",
    )
    pending_count = fields.Integer(
        string="Recipients", compute="_compute_pending_send_ids"
    )
    recipients_30d = fields.Integer(
        string="30-day recipients",
        compute="_compute_recipients_30d",
        help="Distinct users this trigger attempted to email (queued, sent, failed "
        "or bounced; not removed or cancelled) on its lists of the last 30 days "
        "of the owner's calendar, today included.",
    )
    replies_30d = fields.Integer(
        string="30-day replies",
        compute="_compute_replies_30d",
        help="Distinct users who replied to this trigger's emails of its lists of "
        "the last 30 days of the owner's calendar, today included.",
    )
    stat_ids = fields.One2many(
        "natero.trigger.stat", "trigger_id", string="Daily statistics"
    )
    account_log_ids = fields.One2many(
        "natero.trigger.account.log", "trigger_id", string="Account communications"
    )

    _sql_constraints = [
        (
            "delays_positive",
            "CHECK(global_delay_days >= 0 AND retrigger_delay_days >= 0)",
            "Delays cannot be negative.",
        ),
        (
            "times_in_day",
            "CHECK(generate_time >= 0 AND generate_time < 24 "
            "AND send_time >= 0 AND send_time < 24)",
            "Times must be between 00:00 and 23:59.",
        ),
    ]

    # ================================================================ computes

    @api.depends("user_id.tz")
    def _compute_schedule_tz(self):
        for trigger in self:
            trigger.schedule_tz = trigger.user_id.tz or "UTC"

    @api.depends("company_id")  # any: computed for new records too
    def _compute_placeholder_model(self):
        self.placeholder_model = "res.partner"

    @api.depends(
        "company_id",
        "include_churned",
        "include_inactive",
        "include_crm_contacts",
        "include_product_users",
        "user_domain",
        "use_account_rule",
        "account_domain",
        "usage_rule_ids.event_name",
        "usage_rule_ids.operator",
        "usage_rule_ids.count",
        "usage_rule_ids.days",
    )
    def _compute_candidate_count(self):
        """The rule editor's count: contacts matching the include-boxes and
        every rule now (as the acting user; 0 while a rule is invalid)."""
        for trigger in self:
            try:
                domain = trigger._get_recipient_domain()
                count = trigger._partner_model().search_count(domain)
            except (AccessError, UserError, ValidationError, ValueError):
                count = 0
            trigger.candidate_count = count

    @api.depends("pending_day", "send_ids.state")
    def _compute_pending_send_ids(self):
        Send = self.env["natero.trigger.send"]
        pending = (
            Send.search(
                [
                    ("trigger_id", "in", self.ids),
                    ("state", "in", ("generated", "removed")),
                ]
            )
            if self.ids
            else Send
        )
        for trigger in self:
            rows = pending.filtered(
                lambda send, trigger=trigger: (
                    send.trigger_id == trigger and send.local_day == trigger.pending_day
                )
            )
            trigger.pending_send_ids = rows
            trigger.pending_count = len(rows.filtered(lambda s: s.state == "generated"))

    @api.depends(
        "state",
        "next_generate_at",
        "next_send_at",
        "generate_time",
        "send_time",
        "schedule_tz",
    )
    def _compute_upcoming_send_at(self):
        now = fields.Datetime.now()
        for trigger in self:
            if trigger.state != "active":
                trigger.upcoming_send_at = False
                continue
            gen_minutes, send_minutes = trigger._minutes()
            trigger.upcoming_send_at = schedule.next_send(
                now,
                gen_minutes,
                send_minutes,
                trigger.schedule_tz,
                next_generate_at=trigger.next_generate_at or None,
                pending_send_at=trigger.next_send_at or None,
            )

    def _compute_recipients_30d(self):
        counts = self._count_30d_users([])
        for trigger in self:
            trigger.recipients_30d = counts.get(trigger._origin.id, 0)

    def _compute_replies_30d(self):
        counts = self._count_30d_users([("replied_at", "!=", False)])
        for trigger in self:
            trigger.replies_30d = counts.get(trigger._origin.id, 0)

    def _count_30d_users(self, domain):
        """``{trigger id: distinct users}`` of the attempted sends matching
        ``domain`` on each trigger's lists of the last 30 days. One query for
        all: each trigger's window starts at its owner's today, so the
        triggers are grouped by the first day of their window."""
        now = fields.Datetime.now()
        by_since = defaultdict(list)
        for trigger in self:
            if trigger._origin.id:
                today = schedule.local_day(now, trigger.schedule_tz)
                since = today - timedelta(days=RECIPIENTS_DAYS)
                by_since[since].append(trigger._origin.id)
        if not by_since:
            return {}
        windows = expression.OR(
            [
                [("trigger_id", "in", ids), ("local_day", ">", since)]
                for since, ids in by_since.items()
            ]
        )
        groups = self.env["natero.trigger.send"]._read_group(
            expression.AND([[("state", "in", ATTEMPTED_STATES)], domain, windows]),
            ["trigger_id"],
            ["partner_id:count_distinct"],
        )
        return {trigger.id: count for trigger, count in groups}

    # ================================================================== CRUD

    @api.model
    def default_get(self, fields_list):
        """A new trigger's form starts with the default body (its variable
        shown with its default text), as the trigger is created with it."""
        defaults = super().default_get(fields_list)
        if (
            "body_html" in fields_list
            and not defaults.get("body_html")
            and not self.env.context.get("natero_trigger_no_default_body")
        ):
            defaults["body_html"] = DEFAULT_BODY
        if "placeholder_model" in fields_list:
            # the form's first values: the placeholder tool needs it at once
            defaults["placeholder_model"] = "res.partner"
        return defaults

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_subject(vals.get("subject"), vals.get("name"))
        model_id = self.env["ir.model"]._get_id("res.partner")
        # created as the acting user, never sudo: mail.template then applies
        # Odoo's "Restrict Template Rendering" (template code needs the Mail
        # Template Editor group) to the subject and body given here
        templates = self.env["mail.template"].create(
            [
                {
                    "name": self.env._("Email trigger: %s", vals.get("name") or ""),
                    "model_id": model_id,
                    "subject": vals.pop("subject"),
                    "body_html": vals.pop("body_html", None) or DEFAULT_BODY,
                    "lang": "{{ object.lang }}",
                    "auto_delete": True,
                    "description": self.env._("Owned by an email trigger."),
                }
                for vals in vals_list
            ]
        )
        for vals, template in zip(vals_list, templates, strict=True):
            # always its own template (deleted with the trigger, as sudo)
            vals["mail_template_id"] = template.id
        # the body went to the template: not the form's default body again
        triggers = super(
            NateroTrigger, self.with_context(natero_trigger_no_default_body=True)
        ).create(vals_list)
        triggers = triggers.with_env(self.env)
        triggers._check_domains()
        return triggers

    def write(self, vals):
        if "mail_template_id" in vals:
            raise UserError(
                self.env._(
                    "A trigger's email template is its own: change its subject and "
                    "body, or load a saved template into it."
                )
            )
        if "subject" in vals:
            for trigger in self:
                self._check_subject(vals["subject"], trigger.name)
        result = super().write(vals)
        if {"user_domain", "account_domain", "use_account_rule"} & set(vals):
            self._check_domains()
        if {"generate_time", "send_time", "user_id"} & set(vals):
            self.filtered(lambda t: t.state == "active")._reschedule()
        return result

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for trigger, vals in zip(self, vals_list, strict=True):
            if "name" not in (default or {}):
                vals["name"] = self.env._("%s (copy)", trigger.name)
            vals["subject"] = trigger.subject
            vals["body_html"] = trigger.body_html
        return vals_list

    @api.model
    def _check_subject(self, subject, name):
        """Refuse an empty subject (SPEC T2): never replaced by anything."""
        if not (subject or "").strip():
            raise ValidationError(
                self.env._(
                    "Write a subject for the email of the trigger %s: it cannot be "
                    "empty (variables such as {{ object.name }} are allowed).",
                    name or self.env._("(new)"),
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_active(self):
        if any(trigger.state == "active" for trigger in self):
            raise UserError(
                self.env._("Deactivate an active trigger before deleting it.")
            )

    def unlink(self):
        templates = self.mail_template_id
        result = super().unlink()
        # the user could delete the triggers (checked by super()); their own
        # templates go with them, whoever wrote them last
        templates.sudo().unlink()
        return result

    def action_preview_recipients(self):
        """T3: the contacts that match the rules now."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Recipients matching %s now", self.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [
                (
                    self.env.ref("natero_mail_trigger.res_partner_view_tree_natero").id,
                    "list",
                ),
                (False, "form"),
            ],
            "domain": [("natero_trigger_match_id", "=", self.id)],
            "context": {"create": False},
        }

    # =========================================================== message (T2)

    def action_load_template(self):
        """Copy the subject and body of the chosen saved template."""
        for trigger in self:
            source = trigger.template_source_id
            if not source:
                raise UserError(self.env._("Choose a template to load first."))
            if not (source.subject or "").strip():
                raise UserError(
                    self.env._(
                        "The template %s has no subject: write one on it, or choose "
                        "another template.",
                        source.display_name,
                    )
                )
            trigger.write({"subject": source.subject, "body_html": source.body_html})
        return True

    def _get_reply_to(self):
        self.ensure_one()
        if self.no_reply:
            domain = (
                self.company_id.alias_domain_id.name
                or ((email_normalize(self.email_from) or "").rpartition("@")[2])
            )
            return (
                formataddr((self.env._("No reply"), f"noreply@{domain}"))
                if domain
                else ""
            )
        if self.reply_to_email:
            return formataddr((self.reply_to_name or "", self.reply_to_email))
        return self.email_from

    def _get_reply_person(self):
        """T9: who receives the replies to this trigger's emails: its reply-to
        email, else its owner."""
        self.ensure_one()
        if self.reply_to_email and email_normalize(self.reply_to_email):
            return formataddr((self.reply_to_name or "", self.reply_to_email))
        if email_normalize(self.user_id.email or ""):
            return self.user_id.email_formatted
        return ""

    # ================================================================ review (T5)

    def action_open_preview(self, partner=None):
        """Preview on ``partner``, else the first of the list waiting to be
        sent, else the first contact matching the rules now."""
        self.ensure_one()
        partner = (
            partner
            or self.pending_send_ids.filtered(lambda s: s.state == "generated")[
                :1
            ].partner_id
            or self._get_first_candidate()
        )
        wizard = self.env["natero.trigger.preview"].create(
            {"trigger_id": self.id, "partner_id": partner.id if partner else False}
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Preview of %s", self.name),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def _get_first_candidate(self):
        """The first contact matching the rules now, that the user may read."""
        self.ensure_one()
        try:
            return self._partner_model().search(
                self._get_recipient_domain(), limit=1, order="id"
            )
        except (AccessError, UserError, ValidationError, ValueError):
            return self._partner_model()

    def _check_preview_partner(self, partner):
        """Refuse to render this trigger for ``partner`` unless the acting user
        may read both and ``partner`` is a contact this trigger can email (of
        the trigger's company or of none) or the user's own contact."""
        self.ensure_one()
        self.check_access("read")
        partner = partner.with_env(self.env)
        try:
            partner.check_access("read")
        except AccessError as error:
            raise UserError(
                self.env._("You may not see this contact: choose another one.")
            ) from error
        if (
            partner.company_id
            and partner.company_id != self.company_id
            and partner != self.env.user.partner_id
        ):
            raise UserError(
                self.env._(
                    "%(partner)s is a contact of %(company)s: %(trigger)s only "
                    "emails contacts of %(trigger_company)s or of no company.",
                    partner=partner.display_name,
                    company=partner.company_id.display_name,
                    trigger=self.name,
                    trigger_company=self.company_id.display_name,
                )
            )

    def _render_preview(self, partner, unsubscribe_url):
        """``(subject, body)`` of this trigger's email for ``partner``, checked
        and rendered as the acting user (Preview email, Send test)."""
        self._check_preview_partner(partner)
        subject, body = self._render([partner.id])[partner.id]
        return (
            self._personalise(subject, unsubscribe_url),
            self._personalise(body, unsubscribe_url),
        )

    def _send_test(self, partner):
        """Send the email rendered for ``partner`` to the acting user, now,
        through the mail server; return the error, or None when it went out.

        Only to the user's own address: a test is not a way to send any
        contact's email to anyone."""
        self.ensure_one()
        email_to = self.env.user.email_formatted
        if not email_normalize(email_to or ""):
            raise UserError(
                self.env._("Set an email address on your user to send a test.")
            )
        subject, body = self._render_preview(
            partner, f"{self.get_base_url()}/natero/unsubscribe/test"
        )
        # sudo: mail.mail is for administrators; the user may read this
        # trigger and contact, and the email goes to the user only
        mail = (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": self.env._("[Test] %s", subject),
                    "body_html": body,
                    "email_from": self.email_from,
                    "email_to": email_to,
                    "reply_to": self._get_reply_to(),
                    "auto_delete": True,
                }
            )
        )
        # synchronously, as Odoo's "Test connection": the outcome is reported
        mail.send(raise_exception=False)
        if mail.exists() and mail.state == "exception":
            error = mail.failure_reason or self.env._("The email could not be sent.")
            # a failed test is not retried: it is not left in the queue
            mail.unlink()
            return error
        return None

    def action_activate(self):
        for trigger in self:
            trigger._check_can_activate()
        self.write({"state": "active"})
        for trigger in self.filtered(lambda t: not t.start_date):
            trigger.start_date = fields.Date.context_today(
                trigger.with_context(tz=trigger.schedule_tz)
            )
        self._reschedule()
        return True

    def _check_can_activate(self):
        self.ensure_one()
        if not email_normalize(self.email_from or ""):
            raise UserError(self.env._("Set a valid From address on %s.", self.name))
        if not (self.subject or "").strip():
            raise UserError(self.env._("Set a subject on %s.", self.name))
        if expression.is_false(self.env["res.partner"], self._get_include_domain()):
            raise UserError(
                self.env._(
                    "Check at least one type of users on %s: none checked means "
                    "nobody receives it.",
                    self.name,
                )
            )

    def action_deactivate(self):
        """Stop generating and sending; a list waiting to be sent is cancelled."""
        pending = self.env["natero.trigger.send"].search(
            [("trigger_id", "in", self.ids), ("state", "=", "generated")]
        )
        pending._set_state(
            "cancelled", failure_reason=self.env._("Trigger deactivated")
        )
        self.write(
            {
                "state": "inactive",
                "next_generate_at": False,
                "next_send_at": False,
                "pending_day": False,
            }
        )
        return True

    def action_edit(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_copy(self):
        """Copy as a draft and open the copy."""
        self.ensure_one()
        return self.copy().action_edit()

    def action_delete(self):
        self.unlink()
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_view_sends(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "natero_mail_trigger.natero_trigger_send_action"
        )
        action["domain"] = [("trigger_id", "=", self.id)]
        action["context"] = {"search_default_group_local_day": 1}
        return action

    def action_generate_now(self):
        """Generate today's list now, for review, instead of at the generate
        time. It is sent at the send time of today's run (at the next cron run
        when that time has passed)."""
        self.check_access("write")
        now = fields.Datetime.now()
        runs = {}
        for trigger in self:
            if trigger.state != "active":
                raise UserError(self.env._("Activate %s first.", trigger.name))
            day = schedule.local_day(now, trigger.schedule_tz)
            if trigger.last_generate_day and day <= trigger.last_generate_day:
                raise UserError(
                    self.env._("Today's list of %s is already generated.", trigger.name)
                )
            runs[trigger.sudo()] = day
        self.sudo()._generate_runs(runs)
        self.sudo()._reschedule(now)
        return True
