# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import math
import random
import time

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

from .. import compat
from ..tools import tokens

_logger = logging.getLogger(__name__)

RATE_LIMIT_PARAM = "natero_mail_trigger.usage_rate_limit"
DEFAULT_RATE_LIMIT = 60  # requests per key and window
RATE_WINDOW_SECONDS = 60
RATE_TRIES = 5


@compat.sql_constraints
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
    last_used_at = fields.Datetime(
        readonly=True, copy=False, help="Last request made with this key."
    )
    # rate limit (one window per key, counted in the database, see
    # _check_rate_limit): the start of the current window and its requests
    rate_window_start = fields.Datetime(readonly=True, copy=False)
    rate_window_count = fields.Integer(readonly=True, copy=False)
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
        # key_hash is for administrators only: the acting user must be allowed
        # to change this key (a manager of its company)
        self.check_access("write")
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

    @api.model
    def _get_rate_limit(self):
        """Requests allowed per key and window (system parameter
        ``natero_mail_trigger.usage_rate_limit``, default 60 a minute)."""
        value = self.env["ir.config_parameter"].sudo().get_param(RATE_LIMIT_PARAM)
        try:
            limit = int(value) if value else DEFAULT_RATE_LIMIT
        except ValueError:
            limit = 0
        if limit <= 0:
            _logger.warning(
                "Invalid %s=%r: a positive number of requests per minute is "
                "expected; using %s",
                RATE_LIMIT_PARAM,
                value,
                DEFAULT_RATE_LIMIT,
            )
            limit = DEFAULT_RATE_LIMIT
        return limit

    def _check_rate_limit(self):
        """Count one request made with this key: ``(allowed, retry_after)``,
        ``retry_after`` being the seconds until the window ends.

        A window of 60 s per key, opened by the first request after the
        previous one ended, counted in the key's row by one atomic UPDATE on
        the database's clock: every Odoo server of the database shares the
        count. It runs and commits in its own short transaction, so the
        request's transaction never holds the key's row; a concurrent update
        by another server is retried.
        """
        self.ensure_one()
        limit = self._get_rate_limit()
        in_window = SQL(
            "rate_window_start > %(now)s - %(window)s",
            now=SQL("(statement_timestamp() AT TIME ZONE 'UTC')"),
            window=SQL("make_interval(secs => %s)", RATE_WINDOW_SECONDS),
        )
        query = SQL(
            """UPDATE natero_trigger_api_key
                  SET rate_window_count = CASE WHEN %(in_window)s
                                               THEN COALESCE(rate_window_count, 0) + 1
                                               ELSE 1 END,
                      rate_window_start = CASE WHEN %(in_window)s
                                               THEN rate_window_start
                                               ELSE %(now)s END,
                      last_used_at = %(now)s
                WHERE id = %(id)s
            RETURNING rate_window_count,
                      EXTRACT(EPOCH FROM rate_window_start + %(window)s - %(now)s)""",
            in_window=in_window,
            now=SQL("(statement_timestamp() AT TIME ZONE 'UTC')"),
            window=SQL("make_interval(secs => %s)", RATE_WINDOW_SECONDS),
            id=self.id,
        )
        for attempt in range(1, RATE_TRIES + 1):
            try:
                with self.env.registry.cursor() as cr:
                    cr.execute(query)
                    row = cr.fetchone()
                break
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                if attempt == RATE_TRIES:
                    raise
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
        self.invalidate_recordset(
            ["rate_window_start", "rate_window_count", "last_used_at"]
        )
        if not row:
            return True, 0
        count, seconds_left = row
        return count <= limit, max(1, math.ceil(seconds_left or 0))
