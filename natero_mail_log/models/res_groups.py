# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .. import compat


class ResGroups(models.Model):
    _inherit = "res.groups"

    @api.model
    def _natero_mail_log_setup_groups(self):
        """The email logging groups under the Natero category of the user form,
        and the managers by data (root and admin); called by the security XML.
        The fields differ between 18.0 and 19.0: see ``compat.setup_groups``."""
        compat.setup_groups(
            self.env,
            "natero_mail_log.module_category_natero",
            self.env._("Email logging"),
            [
                "natero_mail_log.group_natero_mail_log_user",
                "natero_mail_log.group_natero_mail_log_manager",
            ],
            users=["base.user_root", "base.user_admin"],
        )
