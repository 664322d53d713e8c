"""What the benchmark scripts share: an Odoo environment and a measure."""

import contextlib
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import config


@contextlib.contextmanager
def odoo_env(parser):
    """Parse ``parser`` (with ``-d`` and extra Odoo options) and yield
    ``(args, env)``: a superuser environment on a cursor of that database."""
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("odoo_args", nargs="*", help="extra Odoo options")
    args, extra = parser.parse_known_args()
    config.parse_config(["-d", args.database, *extra, *args.odoo_args])
    odoo.service.server.load_server_wide_modules()
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        yield args, api.Environment(cr, SUPERUSER_ID, {})


def measure(env, fn):
    """Run ``fn()``; return (its result, seconds, queries), writes flushed."""
    start_queries = odoo.sql_db.sql_counter
    start = time.perf_counter()
    result = fn()
    env.flush_all()
    return result, time.perf_counter() - start, odoo.sql_db.sql_counter - start_queries
