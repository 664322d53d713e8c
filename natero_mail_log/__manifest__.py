# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Natero Email Logging",
    "summary": "Log emails BCC'd or forwarded to a log address into the chatter "
    "of the right contacts, companies and deals",
    "version": "1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/natero-odoo/natero-odoo",
    "author": "Natero for Odoo",
    "maintainers": ["natero-odoo"],
    "license": "LGPL-3",
    "depends": ["mail", "crm", "contacts"],
    "external_dependencies": {"python": ["babel", "lxml"]},
    "data": [
        "security/natero_mail_log_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/natero_mail_log_data.xml",
        "data/natero_mail_log_free_domain_data.xml",
        "views/natero_mail_log_views.xml",
        "views/natero_mail_log_exclusion_views.xml",
        "views/natero_mail_log_sender_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_users_views.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_views.xml",
        "wizards/natero_mail_log_link_views.xml",
        "views/natero_mail_log_menus.xml",
    ],
    "demo": ["demo/natero_mail_log_demo.xml"],
    "assets": {
        "web.assets_backend": [
            "natero_mail_log/static/src/**/*",
        ],
        "web.assets_tests": [
            "natero_mail_log/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
    "application": False,
}
