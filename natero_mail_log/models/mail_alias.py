# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from ..compat import expression


class MailAlias(models.Model):
    _inherit = "mail.alias"

    @api.model
    def _search(self, domain, *args, **kwargs):
        """While Odoo's router runs, log aliases do not exist for it: mail
        for them is captured before routing (``mail.thread.message_route``)."""
        if self.env.context.get("natero_log_hide_aliases"):
            domain = expression.AND(
                [domain, [("alias_model_id.model", "!=", "natero.mail.log")]]
            )
        return super()._search(domain, *args, **kwargs)
