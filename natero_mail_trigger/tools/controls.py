# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Frequency controls of one run of triggers (SPEC T4), as a pure function.

``decide`` takes the local day of the run, the triggers due in that run, their
candidates (who matches each trigger's rules) and the send history, and returns
one ``Decision`` per (trigger, candidate). Triggers are evaluated by priority,
highest first, then by id; a recipient chosen by a trigger counts immediately
for the global delay of every trigger evaluated after it in the same run.

For each trigger and candidate, in this order:

1. ``already_today``: this trigger already has a send for this user on ``day``
   (at most once per trigger, user and day);
2. ``never_retrigger``: the trigger never re-triggers and has sent to this user
   before;
3. ``replied``: the trigger stops for users who replied (its own option or the
   company's) and this user replied to one of its emails (T9);
4. ``retrigger_delay``: fewer than ``retrigger_delay_days`` days since this
   trigger's last send to this user;
5. ``global_delay``: fewer than ``global_delay_days`` days since the last
   triggered email of ANY trigger to this user, including those chosen earlier
   in this run;
6. otherwise ``send``.

Days are whole calendar days between local days: with a delay of 1 a user who
got an email yesterday may get one today; with a delay of 0 only rule 1 applies.
"""

from dataclasses import dataclass

SEND = "send"
ALREADY_TODAY = "already_today"
NEVER_RETRIGGER = "never_retrigger"
RETRIGGER_DELAY = "retrigger_delay"
REPLIED = "replied"
GLOBAL_DELAY = "global_delay"

REASONS = {
    SEND: "Selected",
    ALREADY_TODAY: "This trigger already has an email for this user today",
    NEVER_RETRIGGER: "This trigger never re-triggers and already sent to this user",
    REPLIED: "This trigger stops for users who replied, and this user replied",
    RETRIGGER_DELAY: "Re-trigger delay of this trigger not elapsed",
    GLOBAL_DELAY: "Global delay since the last triggered email not elapsed",
}


@dataclass(frozen=True)
class TriggerControls:
    """The control settings of one trigger."""

    trigger_id: int
    priority: int = 0
    global_delay_days: int = 0
    retrigger_delay_days: int = 0
    never_retrigger: bool = False
    stop_if_replied: bool = False


@dataclass(frozen=True)
class Decision:
    """Whether ``trigger_id`` sends to ``user_id`` in this run, and why."""

    trigger_id: int
    user_id: int
    code: str

    @property
    def selected(self):
        return self.code == SEND

    @property
    def reason(self):
        return REASONS[self.code]


def evaluation_order(triggers):
    """Triggers sorted as they are evaluated: priority descending, then id."""
    return sorted(triggers, key=lambda trig: (-trig.priority, trig.trigger_id))


def _days_since(last, day):
    return None if last is None else (day - last).days


def check(controls, day, last_trigger_send, last_any_send, replied=False):
    """The decision code for one trigger and one user.

    ``last_trigger_send``: local day of this trigger's last send to the user, or
    None; ``last_any_send``: local day of the last triggered email of any trigger
    to the user (this run included), or None; ``replied``: whether the user
    replied to an email of this trigger.
    """
    since_trigger = _days_since(last_trigger_send, day)
    if since_trigger is not None and since_trigger <= 0:
        return ALREADY_TODAY
    if since_trigger is not None and controls.never_retrigger:
        return NEVER_RETRIGGER
    if replied and controls.stop_if_replied:
        return REPLIED
    if since_trigger is not None and since_trigger < controls.retrigger_delay_days:
        return RETRIGGER_DELAY
    since_any = _days_since(last_any_send, day)
    if since_any is not None and since_any < controls.global_delay_days:
        return GLOBAL_DELAY
    return SEND


def decide(day, triggers, candidates, last_trigger_send, last_any_send, replied=()):
    """Decide one run of ``triggers`` on local ``day``.

    :param day: ``datetime.date`` of the run
    :param triggers: iterable of ``TriggerControls``
    :param candidates: ``{trigger_id: iterable of user ids}``, users matching the
        trigger's rules (order is kept in the result)
    :param last_trigger_send: ``{(trigger_id, user_id): date}`` last send of that
        trigger to that user
    :param last_any_send: ``{user_id: date}`` last triggered email to that user
    :param replied: ``{(trigger_id, user_id)}`` users who replied to an email
        of that trigger
    :return: list of ``Decision`` in evaluation order
    """
    last_any = dict(last_any_send)
    decisions = []
    for controls in evaluation_order(triggers):
        seen = set()
        for user_id in candidates.get(controls.trigger_id, ()):
            if user_id in seen:
                continue
            seen.add(user_id)
            code = check(
                controls,
                day,
                last_trigger_send.get((controls.trigger_id, user_id)),
                last_any.get(user_id),
                replied=(controls.trigger_id, user_id) in replied,
            )
            if code == SEND:
                previous = last_any.get(user_id)
                last_any[user_id] = day if previous is None else max(previous, day)
            decisions.append(Decision(controls.trigger_id, user_id, code))
    return decisions


def selected(decisions):
    """``{trigger_id: [user ids]}`` of the selected decisions."""
    result = {}
    for decision in decisions:
        if decision.selected:
            result.setdefault(decision.trigger_id, []).append(decision.user_id)
    return result
