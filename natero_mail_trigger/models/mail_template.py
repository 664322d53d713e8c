# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import traceback

from lxml import html
from markupsafe import Markup

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import safe_eval

from .. import compat

_logger = logging.getLogger(__name__)

# context key asking ``_render_template_qweb`` to compile the body once for all
# the records of a batch (set by the trigger engine only)
BATCH_QWEB_CONTEXT_KEY = "natero_trigger_batch_qweb"


class MailTemplate(models.Model):
    _inherit = "mail.template"

    def _render_template_qweb(
        self, template_src, model, res_ids, add_context=None, options=None
    ):
        """Render a QWeb body on many records, compiling it once (SPEC Scale).

        Odoo compiles a raw QWeb template (an ``etree`` element, not cached)
        for every record; a trigger batch renders the same body for up to 500
        users, so with ``natero_trigger_batch_qweb`` in the context the code is
        generated once and its rendering function called per record, with the
        same variables as Odoo's (``object``, ``add_context`` and
        ``_render_eval_context``). Anything else goes to Odoo's path.
        """
        if (
            not compat.QWEB_COMPILE_ONCE
            or not self.env.context.get(BATCH_QWEB_CONTEXT_KEY)
            or len(res_ids) < 2
            or not template_src
            or not self._has_unsafe_expression_template_qweb(template_src, model)
        ):
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        values = self._render_eval_context()
        if add_context:
            values.update(**add_context)
        # mail.template renders unrestricted (_unrestricted_rendering)
        qweb = self.env["ir.qweb"].with_context(**(options or {}))
        qweb = qweb._prepare_environment(values)
        element = html.fragment_fromstring(template_src, create_parent="div")
        try:
            functions, def_name = qweb._compile(element)
        except Exception as error:
            raise self._natero_render_error(template_src) from error
        render = functions[def_name]
        results = {}
        for record in self.env[model].browse(res_ids):
            record_values = dict(values, object=record)
            safe_eval.check_values(record_values)
            try:
                rendered = "".join(render(qweb, record_values))
            except Exception as error:
                raise self._natero_render_error(template_src) from error
            # drop the <div> wrapping the fragment, as Odoo does
            results[record.id] = Markup(rendered[5:-6])
        return results

    def _natero_render_error(self, template_src):
        _logger.info("Failed to render template: %s", template_src, exc_info=True)
        return UserError(
            self.env._(
                "Failed to render QWeb template: %(template_src)s\n\n"
                "%(template_traceback)s)",
                template_src=template_src,
                template_traceback=traceback.format_exc(),
            )
        )
