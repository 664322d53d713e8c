# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .models.res_users import new_token
from .tools import addresses


def post_init_hook(env):
    """Create each company's log alias, users' tokens and the free-mail list."""
    env["res.company"].search([])._natero_ensure_log_alias()
    users = (
        env["res.users"]
        .with_context(active_test=False)
        .search([("natero_log_token", "=", False)])
    )
    for user in users:
        user.natero_log_token = new_token()
    FreeDomain = env["natero.mail.log.free.domain"]
    known = set(FreeDomain.with_context(active_test=False).search([]).mapped("name"))
    FreeDomain.create(
        [{"name": d} for d in sorted(addresses.FREE_MAIL_DOMAINS) if d not in known]
    )
