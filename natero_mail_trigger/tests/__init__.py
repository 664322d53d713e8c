# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import (
    test_trigger_controls,
    test_trigger_customer_data,
    test_trigger_lifecycle,
    test_trigger_schedule,
    test_trigger_send,
    test_trigger_smtp,
    test_trigger_http,
    test_trigger_concurrency,
    test_trigger_tracking,
    test_trigger_stats,
    test_trigger_security,
    test_trigger_http_security,
    test_trigger_correctness,
    test_trigger_render,
    test_compat,
    test_tours,
    test_trigger_tours,
)
from . import test_trigger_replies
from . import test_i18n
