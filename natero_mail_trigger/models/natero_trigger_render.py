# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The rendering of natero.trigger's emails (SPEC T2, Scale), on Odoo's public
rendering API (``mail.render.mixin``).

A list renders the same QWeb body for up to 500 contacts. Odoo's
``_render_template`` compiles a raw QWeb body once per record; here the body is
wrapped in a ``t-foreach`` over the contacts and rendered once by
``_render_template`` (engine ``qweb``), so it is compiled once, and the output
is cut at a random marker written after each contact. Odoo's post-processing
then runs per contact, as in ``_render_field``. A body whose QWeb keeps state
from one record to the next (``t-set``, ``t-foreach``, ``t-call``), or whose
output does not cut into one part per contact, is rendered contact by contact
by ``_render_field``. ``tests/test_trigger_render.py`` checks that both ways
give the same emails.
"""

import re
import secrets

from markupsafe import Markup

from odoo import models
from odoo.exceptions import UserError

from .natero_trigger_links import UNSUBSCRIBE_PLACEHOLDER

# QWeb directives whose effect can outlive one record's rendering
STATEFUL_QWEB = re.compile(r"\bt-(?:set|foreach|call)\b")
# a whole document: parsed inside Odoo's <div> wrapper otherwise than inside
# the batch's <t> (its <head> content is kept in one, dropped in the other)
DOCUMENT_TAGS = re.compile(r"<\s*(?:html|head|body)\b", re.IGNORECASE)
# the variables of the batch wrapper (never in a trigger's own body)
BATCH_RECORDS = "natero_batch_records"
BATCH_MARKER = "natero_batch_marker"


class NateroTriggerRender(models.AbstractModel):
    """The rendering side of ``natero.trigger``, which inherits it."""

    _name = "natero.trigger.render"
    _description = "Email trigger: rendering"

    def _render(self, partner_ids):
        """``{partner_id: (subject, body)}`` rendered with the trigger template.

        Variables: ``object`` (the contact), ``object.commercial_partner_id``
        (the account), ``trigger``, ``unsubscribe_url`` (a placeholder replaced
        per recipient by ``_personalise``) and Odoo's usual template variables.
        """
        self.ensure_one()
        # rendered in the caller's environment, never sudo: the acting user for
        # a preview or a test, the cron's user when sending. The template's
        # code was checked as its writer (mail.template, "Restrict Template
        # Rendering").
        add_context = {"unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER, "trigger": self}
        rendered = {}
        by_lang = self.mail_template_id._classify_per_lang(partner_ids)
        for template, ids in by_lang.values():
            subjects = template._render_field("subject", ids, add_context=add_context)
            bodies = self._render_bodies(template, ids, add_context)
            rendered.update((pid, (subjects[pid], bodies[pid])) for pid in ids)
        return rendered

    def _render_bodies(self, template, res_ids, add_context):
        """``{res_id: body}`` as ``template._render_field("body_html")`` gives
        it, the QWeb body compiled once for all when that is the same."""
        bodies = None
        if self._can_render_batch(template, res_ids):
            bodies = self._render_body_batch(template, res_ids, add_context)
        if bodies is None:
            bodies = template._render_field(
                "body_html", res_ids, add_context=add_context
            )
        return bodies

    def _can_render_batch(self, template, res_ids):
        """Whether the body of ``template`` (in its context's language) can be
        rendered for all of ``res_ids`` at once: several records, a body that
        Odoo renders with QWeb (not its regex path), a fragment (not a whole
        document) that keeps no state."""
        body = template.body_html
        return bool(
            len(res_ids) > 1
            and body
            and not STATEFUL_QWEB.search(body)
            and not DOCUMENT_TAGS.search(body)
            and template._has_unsafe_expression_template_qweb(
                body, template.render_model
            )
        )

    def _render_body_batch(self, template, res_ids, add_context):
        """``{res_id: body}`` rendered in one ``_render_template`` call, or
        ``None`` when the output does not cut into one part per record or the
        rendering fails (then the caller renders record by record, and Odoo
        reports the error for its record)."""
        model = template.render_model
        marker = Markup(f"natero-{secrets.token_hex(16)}")
        source = (
            f'<t t-foreach="{BATCH_RECORDS}" t-as="object">{template.body_html}'
            f'<t t-out="{BATCH_MARKER}"/></t>'
        )
        options = dict(template._fields["body_html"].render_options)
        post_process = options.pop("post_process", False)
        variables = {
            **add_context,
            BATCH_RECORDS: template.env[model].browse(res_ids),
            BATCH_MARKER: marker,
        }
        try:
            output = template._render_template(
                source,
                model,
                res_ids[:1],
                engine="qweb",
                add_context=variables,
                options=options,
            )[res_ids[0]]
        except UserError:
            return None
        parts = output.split(marker)
        if len(parts) != len(res_ids) + 1 or parts[-1]:
            return None
        bodies = dict(zip(res_ids, parts[:-1], strict=True))
        if post_process:
            bodies = template._render_template_postprocess(model, bodies)
        return bodies
