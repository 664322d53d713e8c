# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import (
    res_company,
    res_config_settings,
    res_partner,
    natero_usage_event,
    natero_trigger_api_key,
    natero_trigger_usage_rule,
    natero_trigger,
    natero_trigger_send,
    natero_trigger_stat,
    natero_trigger_account_log,
    link_tracker_click,
    mail_mail,
    natero_trigger_mailer,
    mail_template,
    mail_thread,
)
