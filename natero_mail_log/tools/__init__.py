# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pure-Python helpers of natero_mail_log (no Odoo import, SPEC L2).

Loadable on its own (``setup/_tools_loader.py``) so that ``setup/parse-email``
and the unit tests run without Odoo.  Submodules import each other relatively.
"""
