# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Signed links of natero.trigger (T6, T7): the unsubscribe URL, the open
pixel and click URLs, and the rewriting of an email's links through
``link.tracker``.
"""

import lxml.html
from markupsafe import Markup

from odoo import api, models
from odoo.tools import formataddr
from odoo.tools.mail import (
    URL_SKIP_PROTOCOL_REGEX,
    email_split_tuples,
    is_html_empty,
)

from odoo.addons.link_tracker.tools.html import find_links_with_urls_and_labels

from ..tools import tokens

# rendered in place of the ``unsubscribe_url`` variable, then replaced by each
# recipient's signed URL (QWeb and inline templates render it as plain text)
UNSUBSCRIBE_PLACEHOLDER = "__natero_unsubscribe_url__"


class NateroTriggerLinks(models.AbstractModel):
    """The link side of ``natero.trigger``, which inherits it."""

    _name = "natero.trigger.links"
    _description = "Email trigger: signed and tracked links"

    @api.model
    def _get_secret(self):
        params = self.env["ir.config_parameter"].sudo()
        return params.get_param("natero_mail_trigger.secret") or params.get_param(
            "database.secret"
        )

    @api.model
    def _unsubscribe_token(self, send_id):
        return tokens.sign(
            self._get_secret(), "unsubscribe", self.env.cr.dbname, int(send_id)
        )

    @api.model
    def _check_unsubscribe_token(self, send_id, token):
        return self._check_tracking_token(token, "unsubscribe", send_id)

    @api.model
    def _check_reply_token(self, send_id, token):
        """T9: whether ``token`` signs the reply address of ``send_id``, in
        constant time."""
        return tokens.check_reply(
            self._get_secret(), self.env.cr.dbname, int(send_id), token
        )

    def _get_reply_alias(self):
        """``(display name, alias local part, domain, secret)`` of this
        trigger's reply addresses (T9); None when its email takes no replies
        (no-reply) or its company has no alias domain to receive them."""
        self.ensure_one()
        alias = self.company_id.natero_trigger_reply_alias_id
        domain = self.company_id.alias_domain_id.name
        if self.no_reply or not alias.alias_name or not domain:
            return None
        name = self.reply_to_name
        if not name and not self.reply_to_email:
            name = email_split_tuples(self.email_from or "")[:1]
            name = name[0][0] if name else ""
        return name or "", alias.alias_name, domain, self._get_secret()

    def _get_send_reply_to(self, send, reply_alias, default):
        """The Reply-To of ``send``'s email: its own signed reply address with
        the trigger's reply-to name, else ``default``."""
        if not reply_alias:
            return default
        name, alias, domain, secret = reply_alias
        local = tokens.reply_local_part(alias, secret, self.env.cr.dbname, send.id)
        return formataddr((name, f"{local}@{domain}"))

    def _get_unsubscribe_url(self, send):
        token = self._unsubscribe_token(send.id)
        return f"{self.get_base_url()}/natero/unsubscribe/{send.id}/{token}"

    @api.model
    def _check_tracking_token(self, token, purpose, *ids):
        """T6, T7: whether ``token`` signs ``ids`` for ``purpose``
        (``unsubscribe`` and ``open`` with the send id, ``click`` with the send
        and link ids), in constant time."""
        return tokens.check(
            self._get_secret(),
            token,
            purpose,
            self.env.cr.dbname,
            *(int(value) for value in ids),
        )

    def _get_tracking_urls(self, sends, links):
        """``(open_urls, click_urls)``: ``{send_id: pixel URL}`` and
        ``{(send_id, link_id): click URL}``, signed; the secret is read once."""
        base_url, secret, dbname = (
            self.get_base_url(),
            self._get_secret(),
            self.env.cr.dbname,
        )
        open_urls = {
            send.id: f"{base_url}/natero/track/open/{send.id}/"
            f"{tokens.sign(secret, 'open', dbname, send.id)}/blank.gif"
            for send in sends
        }
        click_urls = {
            (send_id, link_id): f"{base_url}/natero/track/click/{send_id}/{link_id}/"
            f"{tokens.sign(secret, 'click', dbname, send_id, link_id)}"
            for send_id, link_id in links
        }
        return open_urls, click_urls

    def _track_bodies(self, rows, bodies):
        """T7: ``{row id: body}`` whose links go through signed click URLs
        (one ``link.tracker`` per distinct URL and label, found or created in
        one call for the whole batch) and with an open pixel at the end."""
        self.ensure_one()
        base_url = self.get_base_url()
        parsed = {row.id: self._find_links(bodies[row.id], base_url) for row in rows}
        tracker_ids = self._get_trackers(parsed.values())
        open_urls, click_urls = self._get_tracking_urls(
            rows,
            {
                (row_id, tracker_ids[link["url"], link["label"]])
                for row_id, (__, __, links) in parsed.items()
                for link in links
            },
        )
        tracked = {}
        for row_id, (root, nodes, links) in parsed.items():
            for node, link in zip(nodes, links, strict=True):
                tracker_id = tracker_ids[link["url"], link["label"]]
                node.set("href", click_urls[row_id, tracker_id])
            tracked[row_id] = self._add_open_pixel(root, open_urls[row_id])
        return tracked

    @api.model
    def _find_links(self, body, base_url):
        """``(root, nodes, links)``: ``body`` parsed, and its links to track
        as ``link_tracker`` finds them (not ``mailto:`` and the like, not the
        unsubscribe link, not our own URLs)."""
        root = lxml.html.fromstring(
            body if body and not is_html_empty(body) else "<div></div>"
        )
        nodes, links = find_links_with_urls_and_labels(
            root,
            base_url,
            skip_regex=rf"^{URL_SKIP_PROTOCOL_REGEX}",
            skip_prefix=f"{base_url}/natero/",
            skip_list=[UNSUBSCRIBE_PLACEHOLDER],
        )
        return root, nodes, links

    @api.model
    def _get_trackers(self, parsed):
        """``{(url, label): link.tracker id}`` for the links of ``parsed``
        (``_find_links`` results), found or created in one call."""
        wanted = {}
        for __, __, links in parsed:
            for link in links:
                wanted.setdefault((link["url"], link["label"]), link)
        trackers = (
            self.env["link.tracker"]
            .sudo()
            .search_or_create(
                [
                    {**link, "title": link["label"] or link["url"]}
                    for link in wanted.values()
                ]
            )
        )
        return {key: tracker.id for key, tracker in zip(wanted, trackers, strict=True)}

    @api.model
    def _add_open_pixel(self, root, open_url):
        """The HTML of ``root`` with the open pixel at the end of its body."""
        body = root.find(".//body")
        (root if body is None else body).append(
            lxml.html.Element(
                "img",
                src=open_url,
                alt="",
                width="1",
                height="1",
                style="display:block;height:1px;width:1px;border:0;",
            )
        )
        return Markup(lxml.html.tostring(root, encoding="unicode", method="xml"))

    @staticmethod
    def _personalise(text, unsubscribe_url):
        return (text or "").replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url)
