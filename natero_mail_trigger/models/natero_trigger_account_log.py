# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from .. import compat
from ..tools import tracking
from .natero_trigger_send import _check_engine


@compat.sql_constraints
class NateroTriggerAccountLog(models.Model):
    """A triggered email logged on an account's chatter (SPEC T8).

    One row per account, trigger and local day: UNIQUE(account, trigger, day)
    makes "at most once per account per day" a database fact, whatever the
    number of users of the account emailed that day, of batches or of workers.
    Rows are inserted by the engine only, in one ``INSERT ... ON CONFLICT DO
    NOTHING`` per batch; the chatter notes are created for the inserted rows.
    """

    _name = "natero.trigger.account.log"
    _description = "Email trigger account communication"
    _order = "day desc, id desc"
    _rec_name = "subject"

    account_id = fields.Many2one(
        "res.partner", required=True, ondelete="cascade", readonly=True
    )
    trigger_id = fields.Many2one(
        "natero.trigger", required=True, ondelete="cascade", readonly=True, index=True
    )
    day = fields.Date(required=True, readonly=True)
    subject = fields.Char(readonly=True)
    message_id = fields.Many2one("mail.message", readonly=True, ondelete="set null")
    company_id = fields.Many2one("res.company", readonly=True, index=True)

    _sql_constraints = [
        (
            "account_trigger_day_unique",
            "UNIQUE(account_id, trigger_id, day)",
            "A trigger is logged once per account and day.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        _check_engine(self)
        return super().create(vals_list)

    def write(self, vals):
        _check_engine(self)
        return super().write(vals)

    @api.model
    def _log_sends(self, trigger, rows):
        """Log the emails of ``rows`` (sends of ``trigger``) on their accounts.

        Only company accounts are logged; the note carries the template's
        subject without its variables (``tracking.generic_subject``), never a
        user or a rendered value. Queries: one INSERT for the logs, one batch
        create of notes, one UPDATE linking them, whatever the number of rows.
        """
        by_day = {}
        for row in rows:
            if row.account_id.is_company:
                by_day.setdefault(row.local_day, set()).add(row.account_id.id)
        if not by_day:
            return self
        subject = tracking.generic_subject(
            trigger.mail_template_id.sudo().subject, trigger.name
        )
        logs = self
        for day, account_ids in by_day.items():
            inserted = self.env.execute_query(
                SQL(
                    """INSERT INTO natero_trigger_account_log
                           (account_id, trigger_id, day, subject, company_id,
                            create_uid, write_uid, create_date, write_date)
                    SELECT account_id, %(trigger)s, %(day)s, %(subject)s,
                           %(company)s, %(uid)s, %(uid)s, %(now)s, %(now)s
                      FROM unnest(%(accounts)s::int[]) AS account_id
                    ON CONFLICT (account_id, trigger_id, day) DO NOTHING
                    RETURNING id""",
                    trigger=trigger.id,
                    day=day,
                    subject=subject,
                    company=trigger.company_id.id,
                    uid=self.env.uid,
                    now=fields.Datetime.now(),
                    accounts=sorted(account_ids),
                )
            )
            logs |= self.browse([row[0] for row in inserted])
        if logs:
            logs._post_notes(trigger)
        return logs

    def _post_notes(self, trigger):
        """An internal note of subtype "Trigger" on each account, notifying
        nobody (created directly, as ``mail.thread._message_log_batch``)."""
        subtype = self.env.ref("natero_mail_trigger.mt_natero_trigger")
        author = trigger.user_id.partner_id
        # given, or mail.message computes it per message (a query each)
        reply_to = trigger._get_reply_to() or author.email_formatted
        messages = (
            self.env["mail.message"]
            .sudo()
            .create(
                [
                    {
                        "model": "res.partner",
                        "res_id": log.account_id.id,
                        "message_type": "comment",
                        "subtype_id": subtype.id,
                        "is_internal": True,
                        "author_id": author.id,
                        "email_from": author.email_formatted,
                        "reply_to": reply_to,
                        "subject": log.subject,
                        "body": Markup("<p>%s <strong>%s</strong></p>")
                        % (self.env._("Trigger email:"), log.subject),
                        "date": log.create_date,
                    }
                    for log in self
                ]
            )
        )
        self.env.execute_query(
            SQL(
                """UPDATE natero_trigger_account_log AS log
                      SET message_id = linked.message_id
                     FROM unnest(%s::int[], %s::int[]) AS linked(id, message_id)
                    WHERE log.id = linked.id""",
                self.ids,
                messages.ids,
            )
        )
        self.invalidate_recordset(["message_id"])
