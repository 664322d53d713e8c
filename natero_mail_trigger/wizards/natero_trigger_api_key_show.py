# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class NateroTriggerApiKeyShow(models.AbstractModel):
    """Shows a newly generated API key once, as ``res.users.apikeys.show`` does:
    the key only travels in the action's context, no table stores it."""

    _name = "natero.trigger.api.key.show"
    _description = "New usage events API key"

    # the field 'id' is necessary for the onchange that returns the value of 'key'
    id = fields.Id()
    key = fields.Char(readonly=True)
    api_key_name = fields.Char(string="Integration", readonly=True)
