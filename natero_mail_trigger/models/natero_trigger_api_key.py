from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import tokens


class NateroTriggerApiKey(models.Model):
    """API key of one integration sending usage events (SPEC T1).

    The key is shown once, when generated; only its SHA-256 hash and a short
    lookup part are stored. ``_authenticate`` finds the record by the lookup part
    (indexed) and compares hashes in constant time.
    """

    _name = "natero.trigger.api.key"
    _description = "Usage events API key"
    _order = "name, id"

    name = fields.Char(string="Integration", required=True)
    active = fields.Boolean(default=True)
    key_lookup = fields.Char(readonly=True, index=True, copy=False)
    key_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    key_hint = fields.Char(
        string="Key",
        compute="_compute_key_hint",
        help="Start of the key, to tell keys apart. The whole key is shown only once.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    last_used_at = fields.Datetime(readonly=True, copy=False)
    event_count = fields.Integer(compute="_compute_event_count")

    _sql_constraints = [
        ("key_lookup_unique", "UNIQUE(key_lookup)", "API key lookup must be unique."),
    ]

    @api.depends("key_lookup")
    def _compute_key_hint(self):
        for key in self:
            key.key_hint = f"ntk_{key.key_lookup}_…" if key.key_lookup else False

    def _compute_event_count(self):
        counts = dict(
            self.env["natero.usage.event"]._read_group(
                [("api_key_id", "in", self.ids)], ["api_key_id"], ["__count"]
            )
        )
        for key in self:
            key.event_count = counts.get(key, 0)

    def _set_new_key(self):
        """Generate and store a new key; return it in clear (shown once)."""
        self.ensure_one()
        key, lookup = tokens.new_api_key()
        self.sudo().write({"key_lookup": lookup, "key_hash": tokens.hash_api_key(key)})
        return key

    def action_generate_key(self):
        """Generate (or rotate) the key and show it once in a wizard."""
        self.ensure_one()
        if not self.active:
            raise UserError(self.env._("Archived API keys cannot be rotated."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New API key"),
            "res_model": "natero.trigger.api.key.show",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_key": self._set_new_key(),
                "default_api_key_name": self.name,
            },
        }

    @api.model
    def _authenticate(self, key):
        """The active API key record matching ``key`` (sudo), or an empty one."""
        lookup = tokens.api_key_lookup(key)
        if not lookup:
            return self.browse()
        record = self.sudo().search(
            [("key_lookup", "=", lookup), ("active", "=", True)], limit=1
        )
        if not record or not tokens.check_api_key(key, record.key_hash):
            return self.browse()
        return record
