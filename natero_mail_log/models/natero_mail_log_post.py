# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The last step of natero.mail.log's pipeline: post a logged email on its
targets (L3), once per email and record (L8), as internal notes with their
attachments and inline images.
"""

import uuid

from markupsafe import Markup

from odoo import api, models

from ..tools import policy
from .natero_mail_log_pipeline import clean


class NateroMailLogPost(models.AbstractModel):
    """The posting side of ``natero.mail.log``, which inherits it."""

    _name = "natero.mail.log.post"
    _description = "Email log: posting on the targets"

    # --- post (L3, L8) -------------------------------------------------

    def _natero_step_post(self, jobs):
        """One internal note per email and target not yet logged (L8), with
        its attachments: one batch create of each."""
        done = self.env["mail.message"]._natero_logged_keys(
            {job.log.dedupe_key for job in jobs}
        )
        note_subtype = self.env.ref("mail.mt_note").id
        message_vals, attachment_jobs = [], []
        for job in jobs:
            targets = self._natero_targets(job)
            fresh = self._natero_fresh_targets(job, targets, done)
            for record in fresh:
                message_vals.append(
                    self._natero_message_values(job, record, note_subtype)
                )
                attachment_jobs.append((job, record))
            self._natero_record_targets(job, targets, fresh)
        attachments = self._natero_create_attachments(attachment_jobs)
        for vals, atts in zip(message_vals, attachments, strict=True):
            vals["attachment_ids"] = [(6, 0, atts.ids)]
            vals["body"] = self._natero_inline_images(vals["body"], atts)
        # sudo: internal notes on the targets, as Odoo's _message_log_batch does;
        # the records were chosen by the pipeline or checked by _natero_link.
        self.env["mail.message"].sudo().create(message_vals)

    @api.model
    def _natero_fresh_targets(self, job, targets, done):
        """The targets this email is not logged on yet; ``done`` (the logged
        (key, model, id)) then counts them as logged."""
        key = job.log.dedupe_key
        fresh = [t for t in targets if (key, t._name, t.id) not in done]
        done.update((key, t._name, t.id) for t in fresh)
        return fresh

    @api.model
    def _natero_inline_images(self, body, attachments):
        """Point ``cid:`` images at their attachment, as Odoo's gateway does."""
        for attachment in attachments.filtered("access_token"):
            cid = attachment.description
            if cid and f"cid:{cid}" in body:
                url = (
                    f"/web/image/{attachment.id}?access_token={attachment.access_token}"
                )
                body = Markup(str(body).replace(f"cid:{cid}", url))
        return body

    def _natero_targets(self, job):
        contacts = self.env["res.partner"].union(*job.contacts.values())
        return [*contacts, *(job.accounts - contacts), *job.leads]

    def _natero_record_targets(self, job, targets, fresh):
        partners = [t.id for t in targets if t._name == "res.partner"]
        leads = [t.id for t in targets if t._name == "crm.lead"]
        job.log.write({"partner_ids": [(6, 0, partners)], "lead_ids": [(6, 0, leads)]})
        if fresh:
            job.decision = policy.Decision(
                policy.LOGGED, "logged", f"logged on {len(fresh)} record(s)"
            )
        else:
            job.decision = policy.Decision(
                policy.LOGGED, "duplicate", "already logged on every target (L8)"
            )

    def _natero_message_values(self, job, record, subtype_id):
        parsed, log = job.parsed, job.log
        author = self._natero_author(job)
        forward = parsed.forward if self._natero_uses_original(job) else None
        email_from = (
            forward.from_addr or forward.from_name if forward else parsed.outer_from
        )
        return {
            "model": record._name,
            "res_id": record.id,
            "message_type": "email",
            "subtype_id": subtype_id,
            "is_internal": True,
            "author_id": author.id,
            "email_from": clean(email_from, 254),
            "subject": log.subject,
            "body": self._natero_body(job),
            "date": log.date,
            "natero_log_id": log.id,
            "natero_log_key": log.dedupe_key,
            "record_name": record.display_name,
            "reply_to": False,
        }

    def _natero_author(self, job):
        if job.author is not None:
            return job.author
        parsed = job.parsed
        if self._natero_uses_original(job):
            sender = parsed.forward.from_addr
            return (job.contacts.get(sender) or self.env["res.partner"])[:1]
        return job.user.partner_id

    def _natero_body(self, job):
        if job.body is None:
            job.body = self._natero_render_body(job)
        return job.body

    def _natero_render_body(self, job):
        how = dict(self._fields["kind"].selection).get(job.log.kind, job.log.kind)
        if job.picks:  # a manual link (L6): the email keeps its kind
            mark = Markup(
                '<p class="o_natero_log_mark text-muted small">'
                "Logged by %s via %s, linked by %s</p>"
            ) % (job.user.name, how, job.picks.user.name)
        else:
            mark = Markup(
                '<p class="o_natero_log_mark text-muted small">Logged by %s via %s</p>'
            ) % (job.user.name, how)
        # mail.message sanitizes its body on create: no need to do it twice.
        return mark + Markup(clean(self._natero_body_source(job)))

    def _natero_create_attachments(self, attachment_jobs):
        """One batch create of every target's attachments; ids per message."""
        vals_list, slices = [], []
        for job, record in attachment_jobs:
            start = len(vals_list)
            vals_list += [
                self._natero_attachment_values(attachment, record)
                for attachment in job.attachments
            ]
            slices.append((start, len(vals_list)))
        # sudo: the attachments of those notes (same reason).  HTML, SVG and
        # other XML are stored as text/plain, as Odoo's gateway stores them
        # (attachments_mime_plainxml, mail.thread._message_route_process):
        # the sender chose their type, the browser must not run them.
        Attachment = (
            self.env["ir.attachment"]
            .sudo()
            .with_context(attachments_mime_plainxml=True)
        )
        created = Attachment.create(vals_list) if vals_list else Attachment
        return [created[a:b] for a, b in slices]

    @api.model
    def _natero_attachment_values(self, attachment, record):
        # No sender-chosen mimetype: ir.attachment guesses it from the name
        # and content, as for Odoo's own gateway attachments.
        vals = {
            "name": clean(attachment.filename, 255) or "attachment",
            "raw": attachment.content,
            "res_model": record._name,
            "res_id": record.id,
        }
        if attachment.content_id:
            # An inline image: reachable from the body with a token.
            vals["description"] = clean(attachment.content_id, 255)
            vals["access_token"] = str(uuid.uuid4())
        return vals
