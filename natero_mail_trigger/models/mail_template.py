# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .natero_trigger_links import UNSUBSCRIBE_PLACEHOLDER

# context key: the save check of 19.0 renders a trigger's template
CHECK_KEY = "natero_trigger_template_check"


class MailTemplate(models.Model):
    _inherit = "mail.template"

    def _check_can_be_rendered(self, fnames=None, render_options=None):
        """19.0 renders a template when it is saved (compat 14).  A trigger's
        template is rendered with the trigger's own variables, ``trigger`` and
        ``unsubscribe_url`` (``natero.trigger.render._render``): the check gets
        them too, or every body using them would be refused.  Not called on
        18.0."""
        return super(
            MailTemplate, self.with_context(**{CHECK_KEY: True})
        )._check_can_be_rendered(fnames=fnames, render_options=render_options)

    def _render_eval_context(self):
        variables = super()._render_eval_context()
        if self.env.context.get(CHECK_KEY):
            trigger = self.env["natero.trigger"].search(
                [("mail_template_id", "in", self.ids)], limit=1
            )
            variables.setdefault("trigger", trigger)
            variables.setdefault("unsubscribe_url", UNSUBSCRIBE_PLACEHOLDER)
        return variables
