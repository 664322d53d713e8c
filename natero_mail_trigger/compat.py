# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo 18.0 / 19.0 differences met by natero_mail_trigger, all in this module.

The addon runs on both series from one code base; each name below is one
difference between them, with the 18.0 side and the 19.0 side.  The rest of the
addon imports these names instead of testing the series itself.  When 18.0 is
dropped: replace each use by its 19.0 side (given in each docstring) and delete
this module and ``tests/test_compat.py``.

The differences both addons meet (1-5, 10, 11) are defined once, in
``natero_mail_log/compat.py`` (this addon depends on it), and imported here.

Differences handled here:

1. ``res.users.groups_id`` (18.0) is ``group_ids`` (19.0): ``USER_GROUPS``.
2. ``res.groups.users`` (18.0) is ``user_ids`` (19.0): ``GROUP_USERS``.
3. The user form's groups: 18.0 lists a group under its
   ``res.groups.category_id``; 19.0 has no such field and lists it under a
   ``res.groups.privilege`` (which has the category): ``setup_groups``, called
   from the security XML, so that the XML itself is the same on both series.
4. ``_sql_constraints`` (18.0) is ``models.Constraint`` attributes (19.0, which
   ignores ``_sql_constraints`` with a warning, so the constraints would
   silently be lost): ``sql_constraints``, a class decorator.
5. ``odoo.osv.expression`` (18.0) is ``odoo.fields.Domain`` (19.0, the former
   deprecated with a warning on import): ``expression``, which offers the few
   functions the addon uses and returns plain domain lists on both.
6. ``mail.mail._postprocess_sent_message``: 19.0 adds the argument
   ``success_emails`` after ``success_pids``; the override in
   ``models/mail_mail.py`` passes on what it does not use
   (``*args, **kwargs``), so the same code serves both; the batched sender
   calls it through ``postprocess_sent_message``.
7. ``mail.mail.process_email_queue``: its argument ``ids`` (18.0) is
   ``email_ids`` (19.0): ``process_email_queue``.
8. The class of ``ir.mail_server``: ``IrMailServer`` (18.0) is
   ``IrMail_Server`` (19.0): ``IrMailServer`` (tests patch its ``send_email``).
9. (was the QWeb compile-once override, removed: rendering goes through
    Odoo's public ``_render_template`` on both series.)
10. Cron batch progress: 18.0 ``ir.cron._notify_progress(done=, remaining=)``;
    19.0 deprecates it (a warning) for ``_commit_progress(processed,
    remaining=)``, which also commits: ``cron_progress``.
11. Query counts differ between the series (``assertQueryCount`` pins in the
    tests): ``by_series``.
12. Whether the user may read a field: 18.0 ``field.is_accessible(env)``,
    19.0 ``model._has_field_access(field, "read")`` (the former is gone):
    ``field_is_readable``.
13. ``HttpCase``: 18.0 serves any HTTP request during a test; 19.0 only one
    carrying the test's ``test_request_key`` cookie, which ``url_open`` adds
    (``allow_requests``): ``test_request_cookie``, for a test that talks HTTP
    without ``url_open`` (a raw ``http.client`` connection).
14. ``mail.template``: 19.0 checks at save that the template renders
    (``_check_can_be_rendered``, a ``ValidationError``); 18.0 fails only when
    rendering: ``TEMPLATE_CHECKED_AT_SAVE``; ``models/mail_template.py``
    gives that check a trigger's own variables (``trigger``, ``unsubscribe_url``).
15. Sending in tests: 18.0's ``mail.mail`` calls ``ir.mail_server.send_email``
    (which itself skips sending in test mode), so a test patching
    ``send_email`` sees the mails go through it; 19.0's ``mail.mail`` skips
    both connecting and sending in test mode (``_disable_send``):
    ``smtp_failing``.
16. A ``Bcc`` header of a ``mail.mail``: 18.0 sends to the addresses of
    To, Cc and Bcc; 19.0 only to those ``_prepare_outgoing_list`` validated
    (``email_to_normalized``: To and Cc), so a Bcc header's addresses are
    dropped: ``VALIDATED_RECIPIENTS``, and ``models/mail_mail.py`` adds them.
17. Opening an SMTP session: ``ir.mail_server.connect`` (18.0) is
    ``_connect__`` (19.0): ``mail_server_connect``.
18. Building a message: ``ir.mail_server.build_email`` (18.0) is
    ``_build_email__`` (19.0): ``build_email``.
"""

from contextlib import ExitStack, contextmanager
from unittest.mock import patch

from odoo.addons.natero_mail_log.compat import (  # noqa: F401 (shared with the log addon)
    GROUP_USERS,
    IS_19,
    SERIES,
    USER_GROUPS,
    by_series,
    cron_progress,
    expression,
    setup_groups,
    sql_constraints,
)

#: 16. Whether mail.mail sends only to the recipients it validated (19.0).
VALIDATED_RECIPIENTS = IS_19
#: 14. Whether saving a mail.template that does not render is refused (19.0).
TEMPLATE_CHECKED_AT_SAVE = IS_19


@contextmanager
def test_request_cookie(case):
    """13. While the block runs, the ``HttpCase`` ``case`` accepts requests
    made without its opener: yields the ``Cookie`` header they must carry (19.0)
    or None (18.0, none needed)."""
    if IS_19:
        from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

        with case.allow_requests():
            yield f"{TEST_CURSOR_COOKIE_NAME}={case.http_request_key}"
    else:
        yield None


@contextmanager
def smtp_failing(error):
    """15. In a test: while the block runs, every email ``mail.mail`` sends
    fails at the SMTP server with ``error`` (an exception)."""
    with ExitStack() as stack:
        stack.enter_context(patch.object(IrMailServer, "send_email", side_effect=error))
        if IS_19:
            stack.enter_context(
                patch.object(IrMailServer, "_disable_send", lambda server: False)
            )
            stack.enter_context(
                patch.object(IrMailServer, "_connect__", return_value=None)
            )
        yield


def field_is_readable(model, field):
    """12. Whether the user of ``model``'s environment may read ``field``."""
    if IS_19:
        return model._has_field_access(field, "read")
    return field.is_accessible(model.env)


def process_email_queue(mails):
    """7. Send the queued ``mails`` now: ``process_email_queue(ids=)`` on 18.0,
    ``process_email_queue(email_ids=)`` on 19.0."""
    Mail = mails.env["mail.mail"]
    if IS_19:
        return Mail.process_email_queue(email_ids=mails.ids)
    return Mail.process_email_queue(ids=mails.ids)


def _ir_mail_server_class():
    from odoo.addons.base.models import ir_mail_server

    if IS_19:
        return ir_mail_server.IrMail_Server
    return ir_mail_server.IrMailServer


#: 8. The class of ir.mail_server: 18.0 ``IrMailServer``, 19.0 ``IrMail_Server``.
IrMailServer = _ir_mail_server_class()


def mail_server_connect(mail_server_model, **kwargs):
    """17. An SMTP session of ``ir.mail_server`` (``connect``'s arguments)."""
    if IS_19:
        return mail_server_model._connect__(**kwargs)
    return mail_server_model.connect(**kwargs)


def build_email(mail_server_model, **kwargs):
    """18. An email message built by ``ir.mail_server`` (``build_email``'s
    arguments)."""
    if IS_19:
        return mail_server_model._build_email__(**kwargs)
    return mail_server_model.build_email(**kwargs)


def postprocess_sent_message(mails, **kwargs):
    """6. ``mail.mail._postprocess_sent_message`` after the batched sender sent
    (or failed) ``mails``: no partner (and, on 19.0, no email) to mark as a
    success of a notification."""
    if IS_19:
        return mails._postprocess_sent_message(
            success_pids=[], success_emails=[], **kwargs
        )
    return mails._postprocess_sent_message(success_pids=[], **kwargs)
