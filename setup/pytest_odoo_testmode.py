"""pytest plugin: Odoo tests under pytest-odoo run in Odoo's test mode.

Odoo's own runner sets ``odoo.modules.module.current_test`` while tests run
(``odoo/tests/loader.py``, 18.0 and 19.0), and Odoo's code reads it: for one,
``ir.mail_server`` then never connects to an SMTP server.  pytest-odoo does
not set it, so a test sending mail tried the real SMTP server on localhost
(measured: ``test_smtp_failure_marks_send_failed`` failed with "Connection
failed" under pytest-odoo, and passed under Odoo's runner).  Loaded by
``setup/pytest-odoo`` (``-p pytest_odoo_testmode``).
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def odoo_current_test():
    from odoo.modules import module

    previous, module.current_test = module.current_test, True
    yield
    module.current_test = previous
