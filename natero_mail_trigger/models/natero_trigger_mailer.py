# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

import psycopg2
from psycopg2 import errors

from odoo import api, fields, models, tools
from odoo.tools import SQL

from odoo.addons.base.models.ir_mail_server import MailDeliveryException

from .. import compat
from ..tools import smtp

_logger = logging.getLogger(__name__)

# system parameters (the sending rate knobs, README "Production set-up")
BATCH_PARAM = "natero_mail_trigger.send_batch_size"
RETRY_PARAM = "natero_mail_trigger.smtp_retry_delay"
ENABLED_PARAM = "natero_mail_trigger.batch_send"
# emails per SMTP session and per commit: at most this many emails can be sent
# twice if the process or the database dies between the server's replies and
# the commit of their states (Odoo's own path commits after each email)
SEND_BATCH_SIZE = 200
RETRY_DELAY = 60
LANE_CRONS = (
    "natero_mail_trigger.ir_cron_natero_trigger_send_lane_1",
    "natero_mail_trigger.ir_cron_natero_trigger_send_lane_2",
)


class NateroTriggerMailer(models.AbstractModel):
    """The batched sender of trigger emails (SPEC T6, Scale).

    Trigger emails are ``mail.mail`` records of Odoo's outgoing queue with the
    same headers, body and bounce address as any; only the way they leave
    differs from Odoo's per-email path (``mail.mail._send``: about 20 queries
    and a commit per email):

    - the sending lanes (crons, one batch per call, committed by ir.cron) claim
      a batch with ``FOR UPDATE SKIP LOCKED`` on the emails and their send
      rows, so several cron workers or Odoo servers send disjoint batches, and
      a bounce or a click on a send row of the batch waits for the batch's
      commit instead of breaking it; Odoo's mail queue leaves them to the
      lanes;
    - one SMTP session per batch (``ir.mail_server.connect`` once, then
      ``build_email`` and ``send_email`` per email, Odoo's own);
    - the states are written after the batch in a few queries: the emails
      sent, their send rows sent, the auto-deleted emails unlinked at once.

    Failures (``tools/smtp.py``): a 4xx reply or no usable server leaves the
    email queued and retries it later (never marked sent, never sent twice);
    a 5xx reply fails only that email and its send row.
    """

    _name = "natero.trigger.mailer"
    _description = "Email trigger batched sender"

    # ---------------------------------------------------------------- settings

    @api.model
    def _is_enabled(self):
        """System parameter ``natero_mail_trigger.batch_send``: ``0`` sends
        trigger emails through Odoo's per-email path instead."""
        value = self.env["ir.config_parameter"].sudo().get_param(ENABLED_PARAM, "1")
        return value.strip().lower() not in ("0", "false", "no", "off")

    @api.model
    def _get_int_param(self, key, default):
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        try:
            return max(int(value), 1) if value else default
        except ValueError:
            return default

    # -------------------------------------------------------------- cron lanes

    @api.model
    def _cron_send(self):
        """A sending lane: send one batch of queued trigger emails; ir.cron
        commits it and calls again at once while emails remain. Lanes (this
        cron's copies, on any Odoo server) share the queue through ``SKIP
        LOCKED``."""
        if not self._is_enabled():
            return 0  # Odoo's mail queue sends them, its own way
        batch_size = self._get_int_param(BATCH_PARAM, SEND_BATCH_SIZE)
        mails = self._claim(batch_size)
        done, waiting = self._send_claimed(mails) if mails else (0, False)
        # when the server refuses, nothing remains for now: the retry is
        # scheduled (the lanes are woken up later)
        remaining = self._count_due() if done and not waiting else 0
        compat.cron_progress(self.env, processed=done, remaining=remaining)
        return done

    @api.model
    def _trigger_lanes(self, at=None):
        """Wake the sending lanes up (now, or at ``at``)."""
        for xmlid in LANE_CRONS:
            cron = self.env.ref(xmlid, raise_if_not_found=False)
            if cron and cron.sudo().active:
                cron.sudo()._trigger(at=at)

    @api.model
    def _get_due_mails_query(self, limit, mail_ids=None):
        """Queued trigger emails due now, oldest first, locked with their send
        rows; those another lane holds are skipped."""
        return SQL(
            """SELECT mail.id
                 FROM mail_mail mail
                 JOIN natero_trigger_send send
                   ON send.id = mail.natero_trigger_send_id
                WHERE mail.state = 'outgoing'
                  AND (mail.scheduled_date IS NULL OR mail.scheduled_date <= %s)
                  AND (%s::int[] IS NULL OR mail.id = ANY(%s::int[]))
                ORDER BY mail.id
                LIMIT %s
                  FOR UPDATE OF mail, send SKIP LOCKED""",
            fields.Datetime.now(),
            mail_ids,
            mail_ids,
            limit,
        )

    @api.model
    def _claim(self, limit, mail_ids=None):
        """Lock up to ``limit`` due trigger emails (of ``mail_ids`` if given).

        A serialization failure (another lane committed some of those rows
        after this transaction's snapshot) takes nothing this time: nothing was
        sent yet, and the lanes are woken up to try again in a new
        transaction.
        """
        Mail = self.env["mail.mail"].sudo()
        Mail.flush_model(["state", "scheduled_date", "natero_trigger_send_id"])
        try:
            with self.env.cr.savepoint():
                rows = self.env.execute_query(
                    self._get_due_mails_query(limit, mail_ids)
                )
        except errors.SerializationFailure:
            _logger.info("Email triggers: emails taken by another lane, retrying")
            self._trigger_lanes()
            return Mail
        return Mail.browse([row[0] for row in rows])

    @api.model
    def _count_due(self):
        self.env["mail.mail"].flush_model(["state", "natero_trigger_send_id"])
        rows = self.env.execute_query(
            SQL(
                """SELECT count(*) FROM mail_mail
                    WHERE state = 'outgoing' AND natero_trigger_send_id IS NOT NULL
                      AND (scheduled_date IS NULL OR scheduled_date <= %s)""",
                fields.Datetime.now(),
            )
        )
        return rows[0][0]

    # ----------------------------------------------------------------- sending

    @api.model
    def _send_mails(self, mails, raise_exception=False):
        """Send the trigger emails ``mails`` now (``mail.mail.send``'s hook,
        e.g. a user's "Send Now"), in the current transaction: in batches,
        each claimed, sent over one session and recorded."""
        batch_size = self._get_int_param(BATCH_PARAM, SEND_BATCH_SIZE)
        sent = 0
        for chunk in smtp.chunks(mails.ids, batch_size):
            claimed = self._claim(len(chunk), chunk)
            if not claimed:
                continue
            done, waiting = self._send_claimed(claimed, raise_exception)
            sent += done
            if waiting:
                break
        return sent

    def _send_claimed(self, mails, raise_exception=False):
        """Send locked ``mails``; return ``(sent, waiting)``: the number sent,
        and whether the server refused the session (the rest waits)."""
        sent = 0
        waiting = False
        for (
            server_id,
            alias_domain_id,
            smtp_from,
            ids,
        ) in mails._split_by_mail_configuration():
            batch = mails.browse(ids)
            try:
                session = compat.mail_server_connect(
                    self.env["ir.mail_server"],
                    mail_server_id=server_id,
                    smtp_from=smtp_from,
                )
            except Exception as exc:  # any error: the batch waits
                outcome = smtp.session_outcome(exc)
                self._wait(batch, outcome, raise_exception, count=False)
                waiting = True
                continue
            try:
                results = self._deliver(
                    batch,
                    session,
                    alias_domain_id,
                    self.env["ir.mail_server"].browse(server_id),
                )
            finally:
                self._close(session)
            done, broken = self._record(batch, results, raise_exception)
            sent += done
            waiting = waiting or broken
        return sent, waiting

    @staticmethod
    def _close(session):
        if session is None:
            return
        try:
            session.quit()
        except Exception:  # a dead session is closed anyway
            session.close()

    def _deliver(self, mails, session, alias_domain_id, mail_server):
        """Build and send each email of ``mails`` over ``session``, Odoo's way
        (``mail.mail._send``); return ``{mail id: None (sent) or error}``
        where an error is an ``smtp.Outcome`` or ``(failure_type, reason)``.
        Stops at the first error that breaks the session."""
        alias_domain = self.env["mail.alias.domain"].sudo().browse(alias_domain_id)
        results = {}
        for mail in mails:
            result = self._deliver_one(mail, session, alias_domain, mail_server)
            results[mail.id] = result
            if isinstance(result, smtp.Outcome) and result.broken:
                break
        return results

    def _deliver_one(self, mail, session, alias_domain, mail_server):
        IrMailServer = self.env["ir.mail_server"]
        emails_from = tools.mail.email_split_and_format(mail.email_from)
        email_from = emails_from[0] if emails_from else mail.email_from
        result = None
        try:
            for email in mail._prepare_outgoing_list(
                mail_server=mail_server or mail.mail_server_id
            ):
                sender = IrMailServer
                if alias_domain:  # as mail.mail._send: the alias domain's
                    sender = sender.with_context(
                        domain_notifications_email=alias_domain.default_from_email,
                        domain_bounce_address=email["headers"].get("Return-Path")
                        or alias_domain.bounce_email,
                    )
                validated = email.pop("email_to_normalized", None)
                if validated is not None:  # 19.0 sends to these only (compat 16)
                    sender = sender.with_context(send_validated_to=validated)
                message = compat.build_email(
                    sender,
                    email_from=email_from,
                    email_to=email["email_to"],
                    subject=email["subject"],
                    body=email["body"],
                    body_alternative=email["body_alternative"],
                    email_cc=email["email_cc"],
                    reply_to=email["reply_to"],
                    attachments=email["attachments"],
                    message_id=email["message_id"],
                    references=email["references"],
                    object_id=email["object_id"],
                    subtype="html",
                    subtype_alternative="plain",
                    headers=email["headers"],
                )
                sender.send_email(
                    message,
                    mail_server_id=mail.mail_server_id.id,
                    smtp_session=session,
                )
        except AssertionError as error:
            # Odoo's checks of the addresses (ir.mail_server's assertions)
            code = error.args[0] if error.args else str(error)
            failure_type = {
                IrMailServer.NO_VALID_RECIPIENT: "mail_email_invalid",
                IrMailServer.NO_VALID_FROM: "mail_from_invalid",
                IrMailServer.NO_FOUND_FROM: "mail_from_missing",
                IrMailServer.NO_FOUND_SMTP_FROM: "mail_from_missing",
            }.get(code, "unknown")
            reason = str(error.args[1]) if len(error.args) > 1 else str(code)
            result = (failure_type, reason)
        except (MemoryError, psycopg2.Error):
            # the transaction or the process is in trouble: nothing of this
            # batch is recorded, as in mail.mail._send
            raise
        except Exception as error:  # classified, never lost
            result = smtp.classify(error) or (
                "unknown",
                tools.exception_to_unicode(error),
            )
        return result

    def _record(self, mails, results, raise_exception=False):
        """Write the outcome of a batch in a few queries; return ``(sent,
        broken)``. Emails without a result (after a broken session) stay
        queued as they were."""
        Mail = self.env["mail.mail"].sudo()
        sent = Mail.browse([mid for mid, result in results.items() if result is None])
        if sent:
            sent.write({"state": "sent", "failure_reason": False})
            # send rows sent (mail_mail.py's hook), auto-deleted emails unlinked
            compat.postprocess_sent_message(sent)
        failures, retries, broken = [], [], False
        for mail_id, result in results.items():
            if result is None:
                continue
            if isinstance(result, smtp.Outcome):
                broken = broken or result.broken
                if result.verdict == smtp.RETRY:
                    retries.append((Mail.browse(mail_id), result))
                    continue
                result = ("unknown", result.reason)
            failures.append((Mail.browse(mail_id), *result))
        for mail, failure_type, reason in failures:
            mail.write(
                {
                    "state": "exception",
                    "failure_type": failure_type,
                    "failure_reason": reason,
                }
            )
            compat.postprocess_sent_message(
                mail, failure_reason=reason, failure_type=failure_type
            )
        for mail, outcome in retries:
            self._wait(mail, outcome, raise_exception=False, count=not outcome.broken)
        if broken:
            self._schedule_retry()
        _logger.info(
            "Email triggers: %s emails sent in one SMTP session, %s failed, %s "
            "waiting for a retry, %s not attempted",
            len(sent),
            len(failures),
            len(retries),
            len(mails) - len(results),
        )
        if raise_exception and (failures or retries):
            reason = (failures and failures[0][2]) or retries[0][1].reason
            raise MailDeliveryException(self.env._("Mail Delivery Failed"), reason)
        return len(sent), broken

    def _wait(self, mails, outcome, raise_exception=False, count=True):
        """``mails`` stay queued after a transient refusal: with ``count``
        (a refusal of these emails, not of the session) each is retried
        after a growing delay; the sending lanes are woken up then."""
        if count:
            base = self._get_int_param(RETRY_PARAM, RETRY_DELAY)
            by_attempt = {}
            for mail in mails:
                attempt = mail.natero_smtp_attempts + 1
                by_attempt.setdefault(attempt, mails.browse())
                by_attempt[attempt] |= mail
            now = fields.Datetime.now()
            for attempt, group in by_attempt.items():
                group.write(
                    {
                        "natero_smtp_attempts": attempt,
                        "scheduled_date": now
                        + timedelta(seconds=smtp.retry_delay(attempt, base)),
                        "failure_reason": outcome.reason,
                    }
                )
        _logger.warning(
            "Email triggers: the mail server refused for now (%s): %s emails "
            "wait for a retry",
            outcome.reason,
            len(mails),
        )
        self._schedule_retry()
        if raise_exception:
            raise MailDeliveryException(
                self.env._("Unable to connect to SMTP Server"), outcome.reason
            )

    @api.model
    def _schedule_retry(self):
        base = self._get_int_param(RETRY_PARAM, RETRY_DELAY)
        at = fields.Datetime.now() + timedelta(seconds=base)
        self._trigger_lanes(at=at)
