# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo 18.0 / 19.0 differences met by natero_mail_log, all in this module.

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
5. ``odoo.tools.sql.create_unique_index`` (18.0) is ``create_index(...,
   unique=True)`` (19.0, the former deprecated): ``create_unique_index``.
6. ``odoo.osv.expression`` (18.0) is ``odoo.fields.Domain`` (19.0, the former
   deprecated with a warning on import): ``expression``, which offers the
   function the addon uses (``AND``) and returns a plain domain list on both.
7. The access ``message_post`` requires on a document: 18.0
   ``_get_mail_message_access(ids, "create")`` (one operation for the model),
   19.0 ``_mail_group_by_operation_for_mail_message_operation("create")`` (per
   record; the former is gone): ``check_message_post_access``.
8. Query counts differ between the series (``assertQueryCount`` pins in the
   tests): ``by_series``.
9. Cron batch progress: 18.0 ``ir.cron._notify_progress(done=, remaining=)``;
   19.0 deprecates it (a warning) for ``_commit_progress(processed,
   remaining=)``, which also commits: ``cron_progress``.
10. The web client the tours walk (``static/tests/tours/``, one file for both
    series, no branch on the series): the user menu's item opening My Profile
    is ``[data-menu=settings]`` "Preferences" (18.0) /
    ``[data-menu=preferences]`` "My Preferences" (19.0); that dialog's save
    button reloads the page on 19.0 (the tour closes the dialog with its
    ``preference_cancel`` button, "Cancel" / "Discard"); Contacts opens in
    kanban (18.0) / list (19.0); 19.0 refuses a step with an action (a
    screenshot step) whose trigger is under an open dialog, so such steps
    target the dialog.
"""

from odoo import models, release
from odoo.tools import sql

#: "18.0" or "19.0": the series this Odoo is.
SERIES = release.major_version
#: True on 19.0 (and later), False on 18.0.
IS_19 = release.version_info[0] >= 19


def cron_progress(env, *, processed, remaining):
    """9. Report a cron batch: ``processed`` records done by this call,
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


def by_series(on_18, on_19):
    """8. The value for the running series (a query count pinned by a test)."""
    return on_19 if IS_19 else on_18


def check_message_post_access(records):
    """7. Raise ``AccessError`` unless the user may post messages on
    ``records`` as ``message_post`` requires (write, or the model's
    ``_mail_post_access``)."""
    if IS_19:
        by_operation = records._mail_group_by_operation_for_mail_message_operation(
            "create"
        )
        for operation, documents in by_operation.items():
            documents.check_access(operation)
    else:
        records.check_access(records._get_mail_message_access(records.ids, "create"))


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


def create_unique_index(cr, indexname, tablename, expressions):
    """5. A unique index unless it exists: 18.0 ``sql.create_unique_index``,
    19.0 ``sql.create_index(..., unique=True)``."""
    if IS_19:
        return sql.create_index(cr, indexname, tablename, expressions, unique=True)
    return sql.create_unique_index(cr, indexname, tablename, expressions)


if IS_19:
    from odoo.fields import Domain

    class expression:
        """6. 19.0: the functions of 18.0's ``odoo.osv.expression`` the addons
        use, through ``odoo.fields.Domain``; they return domain lists as on
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
