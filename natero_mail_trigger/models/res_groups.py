# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .. import compat


class ResGroups(models.Model):
    _inherit = "res.groups"

    @api.model
    def _natero_trigger_setup_groups(self):
        """The email trigger groups under the Natero category of the user form,
        and the managers by data (root and admin); called by the security XML.
        The fields differ between 18.0 and 19.0: see ``compat.setup_groups``."""
        compat.setup_groups(
            self.env,
            "natero_mail_trigger.module_category_natero",
            self.env._("Email triggers"),
            [
                "natero_mail_trigger.group_natero_trigger_user",
                "natero_mail_trigger.group_natero_trigger_manager",
            ],
            users=["base.user_root", "base.user_admin"],
        )
