# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
from datetime import datetime, timezone

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)

MAX_EVENTS = 1000
MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_NAME_LENGTH = 256


def _error(status, code, message, details=None, headers=None):
    body = {"error": code, "message": message}
    if details:
        body["details"] = details
    return request.make_json_response(body, headers=headers, status=status)


def _parse_time(value):
    """ISO 8601 string to a naive UTC datetime (naive input is taken as UTC)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def _event_values(index, event):
    """``(values, None)`` for a valid event, ``(None, error)`` otherwise."""
    if not isinstance(event, dict):
        return None, {"index": index, "error": "an event must be a JSON object"}
    name = event.get("name")
    if not isinstance(name, str) or not name.strip():
        return None, {"index": index, "error": "'name' is required"}
    if len(name) > MAX_NAME_LENGTH:
        return None, {"index": index, "error": "'name' is too long"}
    refs = {key: event.get(key) for key in ("user_email", "user_ref", "account_ref")}
    if any(value is not None and not isinstance(value, str) for value in refs.values()):
        return None, {"index": index, "error": "identifiers must be strings"}
    if not refs["user_email"] and not refs["user_ref"]:
        return None, {"index": index, "error": "'user_email' or 'user_ref' is required"}
    properties = event.get("properties")
    if properties is not None and not isinstance(properties, dict):
        return None, {"index": index, "error": "'properties' must be a JSON object"}
    values = {"name": name.strip(), "properties": properties or False, **refs}
    if event.get("time") is not None:
        try:
            values["time"] = _parse_time(event["time"])
        except (TypeError, ValueError, AttributeError):
            return None, {"index": index, "error": "'time' must be ISO 8601"}
    return values, None


class NateroUsageEvents(http.Controller):
    """T1: product usage events, in batches, authenticated by an API key.

    ``POST /natero/usage/events`` with ``Authorization: Bearer <key>`` and a JSON
    body ``{"events": [{"name", "user_email" | "user_ref", "account_ref",
    "time", "properties"}, ...]}`` (or the list alone). The whole batch is
    checked first: one bad event refuses the batch with a 400 listing every
    error, so nothing is half-imported.

    Before anything is read: the body's announced length (413 over 5 MB; a
    chunked body, whose length is unknown, gets 411), the key (401) and its
    rate limit (429 with ``Retry-After``, counted in the database so that it
    holds across the Odoo servers of a database). The body is then read up to
    its announced length only.
    """

    @http.route(
        "/natero/usage/events",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        sitemap=False,
    )
    def natero_usage_events(self, **kwargs):
        httprequest = request.httprequest
        if "chunked" in (httprequest.headers.get("Transfer-Encoding") or "").lower():
            return _error(
                411,
                "length_required",
                "Send the body with a Content-Length header (chunked bodies are "
                "not accepted).",
            )
        if (httprequest.content_length or 0) > MAX_BODY_BYTES:
            return _error(413, "too_large", "The body is over 5 MB.")
        key = self._get_api_key()
        if not key:
            return _error(401, "unauthorized", "A valid API key is required.")
        allowed, retry_after = key._check_rate_limit()
        if not allowed:
            _logger.info("Usage events: API key %s over its rate limit", key.id)
            return _error(
                429,
                "rate_limited",
                f"Too many requests with this API key: at most "
                f"{key._get_rate_limit()} a minute. Retry in {retry_after} s.",
                headers=[("Retry-After", str(retry_after))],
            )
        # at most Content-Length bytes (checked above), cached for Odoo's
        # retry of the request after a serialization failure
        raw = httprequest.get_data()
        try:
            payload = json.loads(raw or b"null")
        except ValueError:
            return _error(400, "invalid_json", "The body is not valid JSON.")
        events = payload.get("events") if isinstance(payload, dict) else payload
        if not isinstance(events, list) or not events:
            return _error(400, "no_events", "Send a non-empty list of events.")
        if len(events) > MAX_EVENTS:
            return _error(413, "too_many_events", f"At most {MAX_EVENTS} per batch.")
        vals_list, errors = [], []
        for index, event in enumerate(events):
            values, error = _event_values(index, event)
            if error:
                errors.append(error)
            else:
                vals_list.append(
                    dict(values, api_key_id=key.id, company_id=key.company_id.id)
                )
        if errors:
            return _error(400, "invalid_events", "No event was recorded.", errors)
        created = (
            request.env["natero.usage.event"]
            .sudo()
            .with_company(key.company_id)
            .create(vals_list)
        )
        matched = len(created.filtered("partner_id"))
        _logger.info(
            "Usage events: %s received with API key %s, %s matched a user",
            len(created),
            key.id,
            matched,
        )
        return request.make_json_response(
            {
                "created": len(created),
                "matched": matched,
                "unmatched": len(created) - matched,
            }
        )

    def _get_api_key(self):
        header = request.httprequest.headers.get("Authorization") or ""
        scheme, _sep, value = header.partition(" ")
        key = value.strip() if scheme.lower() == "bearer" else ""
        key = key or request.httprequest.headers.get("X-Natero-Api-Key", "")
        return request.env["natero.trigger.api.key"]._authenticate(key)
