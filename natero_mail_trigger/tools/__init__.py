# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pure helpers of natero_mail_trigger (no Odoo import).

They are imported by the addon as ``odoo.addons.natero_mail_trigger.tools`` and by
the unit tests as a standalone package, so modules here only use relative imports.
"""

from . import controls, export, rules, schedule, smtp, tokens, tracking
