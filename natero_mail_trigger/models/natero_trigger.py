# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict
from datetime import timedelta

import lxml.html
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, email_normalize, formataddr
from odoo.tools.mail import URL_SKIP_PROTOCOL_REGEX, is_html_empty

from odoo.addons.link_tracker.tools.html import find_links_with_urls_and_labels

from .. import compat
from ..compat import expression
from ..tools import controls, rules, schedule, tokens
from .mail_template import BATCH_QWEB_CONTEXT_KEY
from .natero_trigger_send import ATTEMPTED_STATES, COUNTED_STATES, engine

_logger = logging.getLogger(__name__)

STATES = [("draft", "Draft"), ("active", "Active"), ("inactive", "Inactive")]
# rendered in place of the ``unsubscribe_url`` variable, then replaced by each
# recipient's signed URL (QWeb and inline templates render it as plain text)
UNSUBSCRIBE_PLACEHOLDER = "__natero_unsubscribe_url__"
SEND_BATCH_SIZE = 500
# "30-day recipients": the runs of the last 30 local days, today included
RECIPIENTS_DAYS = 30
# only what users without the template editor group may write (Settings >
# Restrict Template Rendering): ``object.name`` and a static unsubscribe link
DEFAULT_BODY = f"""<div>
    <p>Hello <t t-out="object.name"/>,</p>
    <p>...</p>
    <p style="font-size: 12px; color: #888;">
        <a href="{UNSUBSCRIBE_PLACEHOLDER}">Unsubscribe</a>
    </p>
</div>"""
# the rules, domains on contacts written as data (tools/rules.py)
RULE_FIELDS = ("user_domain", "account_domain")


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
    _inherit = ["mail.thread"]
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
    never_retrigger = fields.Boolean(help="Send this email to the same user only once.")
    generate_time = fields.Float(
        default=8.0, help="Daily time at which the recipient list is generated."
    )
    send_time = fields.Float(default=10.0, help="Daily time at which the list is sent.")
    next_generate_at = fields.Datetime(
        readonly=True, copy=False, index="btree_not_null"
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
    start_date = fields.Date(readonly=True, copy=False)
    last_send_at = fields.Datetime(readonly=True, copy=False)
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
        """One query for all: each trigger's window starts at its owner's
        today, so the triggers are grouped by the first day of their window."""
        now = fields.Datetime.now()
        by_since = defaultdict(list)
        for trigger in self:
            if trigger._origin.id:
                today = schedule.local_day(now, trigger.schedule_tz)
                since = today - timedelta(days=RECIPIENTS_DAYS)
                by_since[since].append(trigger._origin.id)
        counts = {}
        if by_since:
            windows = expression.OR(
                [
                    [("trigger_id", "in", ids), ("local_day", ">", since)]
                    for since, ids in by_since.items()
                ]
            )
            groups = self.env["natero.trigger.send"]._read_group(
                expression.AND([[("state", "in", ATTEMPTED_STATES)], windows]),
                ["trigger_id"],
                ["partner_id:count_distinct"],
            )
            counts = {trigger.id: count for trigger, count in groups}
        for trigger in self:
            trigger.recipients_30d = counts.get(trigger._origin.id, 0)

    # ================================================================== CRUD

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
        triggers = super().create(vals_list)
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

    # ============================================================ validation

    def _check_domains(self):
        """Rules are data (issue 10): literals only, on fields that exist and
        that the acting user may search, checked as that user when saved."""
        for trigger in self:
            for field_name in RULE_FIELDS:
                domain = trigger._parse_domain(trigger[field_name], field_name)
                trigger._check_rule_fields(domain, field_name)

    def _rule_error(self, field_name, message):
        return ValidationError(
            self.env._(
                "%(rule)s: %(error)s",
                rule=self._fields[field_name]._description_string(self.env),
                error=message,
            )
        )

    def _parse_domain(self, domain_text, field_name="user_domain"):
        """The domain of a rule, read as data (``ast.literal_eval``, as Odoo's
        mass mailing reads its domain): nothing in it is ever run."""
        try:
            return rules.parse_domain(domain_text)
        except rules.RuleError as error:
            raise self._rule_error(
                field_name, self._rule_error_message(error)
            ) from None

    def _rule_error_message(self, error):
        detail = error.detail
        if error.code == rules.TOO_LONG:
            return self.env._("a rule is at most %s characters long.", detail)
        if error.code == rules.NOT_LITERAL:
            return self.env._(
                "a rule holds literal values only (text in quotes, numbers, True, "
                "False, None and lists of them), never code such as names, calls "
                "or context_today(). For dates relative to today use the fields "
                "'Days since signup', 'Days since last login', 'Days since churn' "
                "or a usage rule. Near: %s",
                detail,
            )
        if error.code == rules.NOT_A_LIST:
            return self.env._(
                "a rule is a list of conditions such as "
                "[('natero_role', '=', 'admin')], not %s.",
                detail,
            )
        if error.code == rules.BAD_ITEM:
            return self.env._(
                "each condition is (field, operator, value) or one of '&', '|', "
                "'!', not %s.",
                detail,
            )
        if error.code == rules.BAD_FIELD:
            return self.env._("%s is not a field name.", detail)
        if error.code == rules.BAD_OPERATOR:
            return self.env._("%s is not an operator of Odoo domains.", detail)
        return self.env._(
            "%s is not a plain value (text, number, True, False, None or a list "
            "of them).",
            detail,
        )

    def _check_rule_fields(self, domain, field_name):
        """Every field of ``domain`` exists and can be searched by the acting
        user; then Odoo checks operators and values (as that user)."""
        Partner = self.env["res.partner"]
        for path, sub_paths in rules.field_paths(domain):
            self._check_rule_path(Partner, path, sub_paths, field_name)
        try:
            Partner._search(domain)
        except (AccessError, UserError, ValueError, TypeError) as error:
            raise self._rule_error(
                field_name, error.args[0] if error.args else error
            ) from error

    def _check_rule_path(self, model, path, sub_paths, field_name):
        names = path.split(".")
        for index, name in enumerate(names):
            field = model._fields.get(name)
            if field is None:
                raise self._rule_error(
                    field_name,
                    self.env._(
                        "%(field)s is not a field of %(model)s.",
                        field=name,
                        model=model._description,
                    ),
                )
            if not compat.field_is_readable(model, field):
                raise self._rule_error(
                    field_name,
                    self.env._(
                        "you may not read the field %(field)s of %(model)s.",
                        field=name,
                        model=model._description,
                    ),
                )
            if not field._description_searchable:
                raise self._rule_error(
                    field_name,
                    self.env._(
                        "the field %(field)s of %(model)s cannot be searched.",
                        field=name,
                        model=model._description,
                    ),
                )
            if index == len(names) - 1 and sub_paths is None:
                return
            if not field.relational:
                raise self._rule_error(
                    field_name,
                    self.env._(
                        "%(field)s in %(path)s is not a relation.",
                        field=name,
                        path=path,
                    ),
                )
            model = model.env[field.comodel_name]
            if not model.has_access("read"):
                raise self._rule_error(
                    field_name,
                    self.env._(
                        "you may not read %(model)s (%(path)s).",
                        model=model._description,
                        path=path,
                    ),
                )
        for sub_path, sub_sub_paths in sub_paths or ():
            self._check_rule_path(model, sub_path, sub_sub_paths, field_name)

    # ============================================================== rules (T3)

    def _get_include_domain(self):
        """OR of the checked include-boxes; none checked means nobody."""
        self.ensure_one()
        boxes = [
            (
                self.include_churned,
                [("commercial_partner_id.natero_churned", "=", True)],
            ),
            (self.include_inactive, self._partner_model()._natero_inactive_domain()),
            (self.include_crm_contacts, [("natero_crm_contact", "=", True)]),
            (self.include_product_users, [("natero_product_user", "=", True)]),
        ]
        domains = [domain for checked, domain in boxes if checked]
        return expression.OR(domains) if domains else expression.FALSE_DOMAIN

    def _get_base_recipient_domain(self):
        """Contacts that can receive an email of this trigger at all."""
        self.ensure_one()
        return [
            ("is_company", "=", False),
            ("email_normalized", "!=", False),
            ("company_id", "in", [False, self.company_id.id]),
        ]

    def _get_recipient_domain(self):
        """Users matching the rules now (T3), before the controls (T4)."""
        self.ensure_one()
        domains = [
            self._get_base_recipient_domain(),
            self._get_include_domain(),
            self._parse_domain(self.user_domain, "user_domain"),
            [("is_blacklisted", "=", False)],
        ]
        if self.use_account_rule:
            account_domain = self._parse_domain(self.account_domain, "account_domain")
            if account_domain:
                domains.append([("commercial_partner_id", "any", account_domain)])
        domains += [rule._get_partner_domain() for rule in self.usage_rule_ids]
        return expression.AND(domains)

    def _partner_model(self):
        """res.partner in this trigger's company (for the inactivity period)."""
        return self.env["res.partner"].with_company(self.company_id)

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

    @api.model
    def _get_secret(self):
        params = self.env["ir.config_parameter"].sudo()
        return params.get_param("natero_mail_trigger.secret") or params.get_param(
            "database.secret"
        )

    @api.model
    def _unsubscribe_token(self, send_id):
        return tokens.sign(
            self._get_secret(), "unsubscribe", self.env.cr.dbname, int(send_id)
        )

    @api.model
    def _check_unsubscribe_token(self, send_id, token):
        return tokens.check(
            self._get_secret(), token, "unsubscribe", self.env.cr.dbname, int(send_id)
        )

    def _get_unsubscribe_url(self, send):
        token = self._unsubscribe_token(send.id)
        return f"{self.get_base_url()}/natero/unsubscribe/{send.id}/{token}"

    @api.model
    def _check_tracking_token(self, token, purpose, *ids):
        """T7: whether ``token`` signs ``ids`` for ``purpose`` (``open`` with
        the send id, ``click`` with the send and link ids), in constant time."""
        return tokens.check(
            self._get_secret(),
            token,
            purpose,
            self.env.cr.dbname,
            *(int(value) for value in ids),
        )

    def _get_tracking_urls(self, sends, links):
        """``(open_urls, click_urls)``: ``{send_id: pixel URL}`` and
        ``{(send_id, link_id): click URL}``, signed; the secret is read once."""
        base_url, secret, dbname = (
            self.get_base_url(),
            self._get_secret(),
            self.env.cr.dbname,
        )
        open_urls = {
            send.id: f"{base_url}/natero/track/open/{send.id}/"
            f"{tokens.sign(secret, 'open', dbname, send.id)}/blank.gif"
            for send in sends
        }
        click_urls = {
            (send_id, link_id): f"{base_url}/natero/track/click/{send_id}/{link_id}/"
            f"{tokens.sign(secret, 'click', dbname, send_id, link_id)}"
            for send_id, link_id in links
        }
        return open_urls, click_urls

    def _track_bodies(self, rows, bodies):
        """T7: ``{row id: body}`` whose links go through signed click URLs
        (one ``link.tracker`` per distinct URL and label, found or created in
        one call for the whole batch) and with an open pixel at the end."""
        self.ensure_one()
        base_url = self.get_base_url()
        parsed, wanted = {}, {}
        for row in rows:
            body = bodies[row.id]
            root = lxml.html.fromstring(
                body if body and not is_html_empty(body) else "<div></div>"
            )
            nodes, links = find_links_with_urls_and_labels(
                root,
                base_url,
                skip_regex=rf"^{URL_SKIP_PROTOCOL_REGEX}",
                skip_prefix=f"{base_url}/natero/",
                skip_list=[UNSUBSCRIBE_PLACEHOLDER],
            )
            parsed[row.id] = (root, nodes, links)
            for link in links:
                wanted.setdefault((link["url"], link["label"]), link)
        trackers = (
            self.env["link.tracker"]
            .sudo()
            .search_or_create(
                [
                    {**link, "title": link["label"] or link["url"]}
                    for link in wanted.values()
                ]
            )
        )
        tracker_ids = {
            key: tracker.id for key, tracker in zip(wanted, trackers, strict=True)
        }
        open_urls, click_urls = self._get_tracking_urls(
            rows,
            {
                (row_id, tracker_ids[link["url"], link["label"]])
                for row_id, (__, __, links) in parsed.items()
                for link in links
            },
        )
        tracked = {}
        for row in rows:
            root, nodes, links = parsed[row.id]
            for node, link in zip(nodes, links, strict=True):
                node.set(
                    "href",
                    click_urls[row.id, tracker_ids[link["url"], link["label"]]],
                )
            body = root.find(".//body")
            (root if body is None else body).append(
                lxml.html.Element(
                    "img",
                    src=open_urls[row.id],
                    alt="",
                    width="1",
                    height="1",
                    style="display:block;height:1px;width:1px;border:0;",
                )
            )
            tracked[row.id] = Markup(
                lxml.html.tostring(root, encoding="unicode", method="xml")
            )
        return tracked

    def _render(self, partner_ids):
        """``{partner_id: (subject, body)}`` rendered with the trigger template.

        Variables: ``object`` (the contact), ``object.commercial_partner_id``
        (the account), ``trigger``, ``unsubscribe_url`` (a placeholder replaced
        per recipient by ``_personalise``) and Odoo's usual template variables.
        """
        self.ensure_one()
        # rendered in the caller's environment, never sudo: the acting user for
        # a preview or a test, the cron's user when sending. The template's
        # code was checked as its writer (mail.template, "Restrict Template
        # Rendering"). The body is compiled once per batch (mail_template.py).
        template = self.mail_template_id.with_context(**{BATCH_QWEB_CONTEXT_KEY: True})
        add_context = {"unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER, "trigger": self}
        subjects = template._render_field(
            "subject", partner_ids, compute_lang=True, add_context=add_context
        )
        bodies = template._render_field(
            "body_html", partner_ids, compute_lang=True, add_context=add_context
        )
        return {pid: (subjects[pid], bodies[pid]) for pid in partner_ids}

    @staticmethod
    def _personalise(text, unsubscribe_url):
        return (text or "").replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url)

    # ================================================================ review (T5)

    def action_open_preview(self, partner=None):
        self.ensure_one()
        partner = partner or self.pending_send_ids.partner_id[:1]
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
        """Send the email rendered for ``partner`` to the acting user, now.

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
        mail.send()
        return mail

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

    def action_open_details(self):
        """T7: daily trends of this trigger, as a chart and a table."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "natero_mail_trigger.natero_trigger_stat_action"
        )
        action.update(
            name=self.env._("Details of %s", self.name),
            domain=[("trigger_id", "=", self.id)],
            context={"default_trigger_id": self.id},
        )
        return action

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
        # a list left unsent from an earlier day is not sent any more
        stale = Send.search(
            [
                ("trigger_id", "in", [t.id for t in runs]),
                ("state", "=", "generated"),
            ]
        ).filtered(lambda send: send.local_day < runs[send.trigger_id])
        stale._set_state(
            "cancelled", failure_reason=self.env._("Not sent before the next list")
        )

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
        last_trigger_send, last_any_send = self._get_send_history(list(partners))

        vals_list = []
        by_day = {}
        for trigger, day in runs.items():
            by_day.setdefault(day, []).append(trigger)
        for day in sorted(by_day):
            decisions = controls.decide(
                day,
                [trigger._get_controls() for trigger in by_day[day]],
                candidates,
                last_trigger_send,
                last_any_send,
            )
            for decision in decisions:
                if not decision.selected:
                    continue
                partner = partners[decision.user_id]
                trigger = self.browse(decision.trigger_id)
                last_any_send[decision.user_id] = day
                vals_list.append(
                    {
                        "trigger_id": decision.trigger_id,
                        "partner_id": partner.id,
                        "account_id": partner.commercial_partner_id.id,
                        "email": partner.email_normalized,
                        "local_day": day,
                        "company_id": trigger.company_id.id,
                    }
                )
            self._log_decisions(day, decisions)
        Send.create(vals_list)
        for trigger, day in runs.items():
            trigger.write({"last_generate_day": day, "pending_day": day})
        return len(vals_list)

    def _get_controls(self):
        self.ensure_one()
        return controls.TriggerControls(
            trigger_id=self.id,
            priority=self.priority,
            global_delay_days=self.global_delay_days,
            retrigger_delay_days=self.retrigger_delay_days,
            never_retrigger=self.never_retrigger,
        )

    @api.model
    def _get_send_history(self, partner_ids):
        """``({(trigger_id, partner_id): last day}, {partner_id: last day})`` of
        the triggered emails (any trigger) to ``partner_ids``, in one query."""
        if not partner_ids:
            return {}, {}
        groups = (
            self.env["natero.trigger.send"]
            .sudo()
            ._read_group(
                [("partner_id", "in", partner_ids), ("state", "in", COUNTED_STATES)],
                ["trigger_id", "partner_id"],
                ["local_day:max"],
            )
        )
        last_trigger_send, last_any_send = {}, {}
        for trigger, partner, last_day in groups:
            last_trigger_send[trigger.id, partner.id] = last_day
            previous = last_any_send.get(partner.id)
            if previous is None or last_day > previous:
                last_any_send[partner.id] = last_day
        return last_trigger_send, last_any_send

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
        reply_to = self._get_reply_to()
        mail_values = []
        for row in rows:
            subject, body = rendered[row.partner_id.id][0], bodies[row.id]
            url = self._get_unsubscribe_url(row)
            headers = {
                "List-Unsubscribe": f"<{url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Precedence": "bulk",
                "X-Auto-Response-Suppress": "OOF",
            }
            if self.email_bcc:
                headers["Bcc"] = self.email_bcc
            mail_values.append(
                {
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
                    "headers": repr(headers),
                    "auto_delete": True,
                }
            )
        mails = self.env["mail.mail"].sudo().create(mail_values)
        for row, mail in zip(rows, mails, strict=True):
            row._set_state("queued", message_id=mail.message_id, subject=mail.subject)
        # T8: in the same transaction as the emails
        self.env["natero.trigger.account.log"].sudo()._log_sends(self, rows)
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        return len(rows)

    def _filter_deliverable(self, rows):
        """Rows whose user may still receive: re-check at send time (T6)."""
        self.ensure_one()
        partners = rows.partner_id.with_context(active_test=False)
        emails = {partner.email_normalized for partner in partners} - {False}
        blacklisted = set(
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", list(emails))])
            .mapped("email")
        )
        matching = None
        if self.recheck_rules_at_send:
            matching = set(
                self._partner_model()
                .sudo()
                .search(
                    expression.AND(
                        [[("id", "in", partners.ids)], self._get_recipient_domain()]
                    )
                )
                .ids
            )
        reasons = {}
        for row in rows:
            partner = row.partner_id
            email = partner.email_normalized
            if not partner.active or not email:
                reason = self.env._("No active contact with an email")
            elif email in blacklisted:
                reason = self.env._("Blacklisted (unsubscribed)")
            elif matching is not None and partner.id not in matching:
                reason = self.env._("No longer matches the rules")
            else:
                if email != row.email:
                    row._set_state("generated", email=email)
                continue
            reasons.setdefault(reason, self.env["natero.trigger.send"])
            reasons[reason] |= row
        cancelled = self.env["natero.trigger.send"]
        for reason, cancelled_rows in reasons.items():
            cancelled_rows._set_state("cancelled", failure_reason=reason)
            cancelled |= cancelled_rows
        return rows - cancelled
