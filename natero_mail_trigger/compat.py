# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo 18.0 / 19.0 differences met by natero_mail_trigger, all in this module.

The addon runs on both series from one code base; each name below is one
difference between them, with the 18.0 side and the 19.0 side.  The rest of the
addon imports these names instead of testing the series itself.  When 18.0 is
dropped: replace each use by its 19.0 side (given in each docstring) and delete
this module and ``tests/test_compat.py``.

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

from odoo import models, release

#: "18.0" or "19.0": the series this Odoo is.
SERIES = release.major_version
#: True on 19.0 (and later), False on 18.0.
IS_19 = release.version_info[0] >= 19


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


def by_series(on_18, on_19):
    """11. The value for the running series (a query count pinned by a test)."""
    return on_19 if IS_19 else on_18


def cron_progress(env, *, processed, remaining):
    """10. Report a cron batch: ``processed`` records done by this call,
    ``remaining`` left (``ir.cron`` runs the job again while some remain).

    18.0: ``_notify_progress(done=, remaining=)``.  19.0:
    ``_commit_progress(processed, remaining=)``, which writes the progress and
    commits the batch; only inside a cron run (``ir_cron_progress_id`` in the
    context): called elsewhere (tests, scripts, a caller's transaction) it
    would commit the caller's transaction, so nothing is reported then, as
    18.0's ``_notify_progress`` reports nothing outside a cron run.
    """
    if not IS_19:
        env["ir.cron"]._notify_progress(done=processed, remaining=remaining)
    elif env.context.get("ir_cron_progress_id"):
        env["ir.cron"]._commit_progress(processed, remaining=remaining)


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

#: 1. Field of res.users holding its groups: 18.0 ``groups_id``, 19.0 ``group_ids``.
USER_GROUPS = "group_ids" if IS_19 else "groups_id"
#: 2. Field of res.groups holding its users: 18.0 ``users``, 19.0 ``user_ids``.
GROUP_USERS = "user_ids" if IS_19 else "users"


def setup_groups(env, category, privilege, groups, users=()):
    """3. Show ``groups`` (xmlids, lowest first) under the module category
    ``category`` in the user form, and add ``users`` (xmlids) to the last one.

    18.0: each group's ``category_id`` is the category.  19.0: a
    ``res.groups.privilege`` named ``privilege`` (xmlid ``<category>_privilege``,
    so ``category`` must be an xmlid of the calling module)
    in that category, and each group's ``privilege_id`` is it.  Idempotent (the
    security XML calls it on every install and update).
    """
    groups = [env.ref(xmlid) for xmlid in groups]
    if IS_19:
        owner = env["res.groups.privilege"]._load_records(
            [
                {
                    "xml_id": f"{category}_privilege",
                    "values": {"name": privilege, "category_id": env.ref(category).id},
                    "noupdate": False,
                }
            ],
            update=True,
        )
        link = {"privilege_id": owner.id}
    else:
        link = {"category_id": env.ref(category).id}
    for group in groups:
        group.write(link)
    if users:
        groups[-1].write({GROUP_USERS: [(4, env.ref(xmlid).id) for xmlid in users]})


def sql_constraints(cls):
    """4. Class decorator: the model's ``_sql_constraints`` hold on both series.

    18.0 reads ``_sql_constraints = [(key, definition, message)]`` itself.
    19.0 ignores it (with a warning): each one becomes the attribute
    ``_<key> = models.Constraint(definition, message)``, the same database
    constraint ``<table>_<key>``.
    """
    if IS_19 and "_sql_constraints" in vars(cls):
        assert "_table_object_definitions" in vars(cls), cls
        for key, definition, message in cls._sql_constraints:
            constraint = models.Constraint(definition, message)
            setattr(cls, f"_{key}", constraint)
            constraint.__set_name__(cls, f"_{key}")
        del cls._sql_constraints
    return cls


if IS_19:
    from odoo.fields import Domain

    class expression:
        """5. 19.0: the functions of 18.0's ``odoo.osv.expression`` the addon
        uses, through ``odoo.fields.Domain``; they return domain lists as on
        18.0."""

        FALSE_DOMAIN = [(0, "=", 1)]

        @staticmethod
        def AND(domains):
            return list(Domain.AND(domains))

        @staticmethod
        def OR(domains):
            return list(Domain.OR(domains))

        @staticmethod
        def normalize_domain(domain):
            return list(Domain(domain))

        @staticmethod
        def is_false(model, domain):
            return Domain(domain).is_false()

else:
    from odoo.osv import expression  # noqa: F401 (18.0: the module itself)


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
