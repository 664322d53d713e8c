# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


def post_init_hook(env):
    """Also run by data/natero_mail_log_data.xml, before the demo data."""
    env["res.company"]._natero_setup_defaults()
