# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Natero Email Triggers",
    "summary": "Automated customer-success emails sent when customer data matches "
    "a rule, with review, frequency controls and one-click unsubscribe",
    "version": "1.2.0",
    "category": "Sales/CRM",
    "website": "https://github.com/natero-odoo/natero-odoo",
    "author": "Natero for Odoo",
    "maintainers": ["natero-odoo"],
    "license": "LGPL-3",
    "depends": ["mail", "crm", "link_tracker", "natero_mail_log"],
    "data": [
        "security/natero_trigger_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "data/mail_message_subtype_data.xml",
        "data/natero_trigger_reply_data.xml",
        "views/natero_trigger_views.xml",
        "views/natero_trigger_send_views.xml",
        "views/natero_trigger_stat_views.xml",
        "views/natero_trigger_account_log_views.xml",
        "views/natero_usage_event_views.xml",
        "views/natero_trigger_api_key_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/natero_trigger_unsubscribe_templates.xml",
        "views/natero_mail_log_views.xml",
        "wizards/natero_trigger_preview_views.xml",
        "wizards/natero_trigger_api_key_show_views.xml",
        "views/natero_trigger_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "natero_mail_trigger/static/src/**/*",
        ],
        "web.assets_tests": [
            "natero_mail_trigger/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": False,
}
