"""Pure tests of natero_mail_trigger/tools/controls.py (SPEC T4), without Odoo."""

from datetime import date, timedelta

from conftest import TRIGGER_TOOLS
from hypothesis import given
from hypothesis import strategies as st

controls = TRIGGER_TOOLS.controls
TC = controls.TriggerControls
DAY = date(2025, 3, 10)


def _codes(decisions):
    return {(d.trigger_id, d.user_id): d.code for d in decisions}


def test_priority_order_counts_for_global_delay():
    high = TC(trigger_id=2, priority=3)
    low = TC(trigger_id=1, priority=1, global_delay_days=2)
    decisions = controls.decide(DAY, [low, high], {1: [10, 11], 2: [10]}, {}, {})
    assert [d.trigger_id for d in decisions] == [2, 1, 1]
    assert _codes(decisions) == {
        (2, 10): controls.SEND,
        (1, 10): controls.GLOBAL_DELAY,
        (1, 11): controls.SEND,
    }
    assert controls.selected(decisions) == {2: [10], 1: [11]}


def test_same_priority_evaluated_by_id():
    first = TC(trigger_id=1, global_delay_days=1)
    second = TC(trigger_id=2, global_delay_days=1)
    decisions = controls.decide(DAY, [second, first], {1: [5], 2: [5]}, {}, {})
    assert controls.selected(decisions) == {1: [5]}


def test_global_delay_counts_history_of_any_trigger():
    trig = TC(trigger_id=1, global_delay_days=3)
    last_any = {5: DAY - timedelta(days=2), 6: DAY - timedelta(days=3)}
    decisions = controls.decide(DAY, [trig], {1: [5, 6, 7]}, {}, last_any)
    assert _codes(decisions) == {
        (1, 5): controls.GLOBAL_DELAY,
        (1, 6): controls.SEND,
        (1, 7): controls.SEND,
    }


def test_global_delay_zero_allows_same_day_from_other_trigger():
    trig = TC(trigger_id=1, global_delay_days=0)
    decisions = controls.decide(DAY, [trig], {1: [5]}, {}, {5: DAY})
    assert decisions[0].selected


def test_retrigger_delay():
    trig = TC(trigger_id=1, retrigger_delay_days=7)
    history = {(1, 5): DAY - timedelta(days=6), (1, 6): DAY - timedelta(days=7)}
    decisions = controls.decide(DAY, [trig], {1: [5, 6]}, history, {})
    assert _codes(decisions) == {
        (1, 5): controls.RETRIGGER_DELAY,
        (1, 6): controls.SEND,
    }


def test_never_retrigger():
    trig = TC(trigger_id=1, never_retrigger=True)
    history = {(1, 5): DAY - timedelta(days=400)}
    decisions = controls.decide(DAY, [trig], {1: [5, 6]}, history, {})
    assert _codes(decisions) == {
        (1, 5): controls.NEVER_RETRIGGER,
        (1, 6): controls.SEND,
    }


def test_once_per_day_even_without_delays():
    trig = TC(trigger_id=1)
    decisions = controls.decide(DAY, [trig], {1: [5, 5, 6]}, {(1, 6): DAY}, {})
    assert _codes(decisions) == {
        (1, 5): controls.SEND,
        (1, 6): controls.ALREADY_TODAY,
    }
    assert len(decisions) == 2


def test_reasons_and_empty_run():
    assert controls.decide(DAY, [], {}, {}, {}) == []
    assert controls.decide(DAY, [TC(trigger_id=1)], {}, {}, {}) == []
    for code in (
        controls.SEND,
        controls.ALREADY_TODAY,
        controls.NEVER_RETRIGGER,
        controls.RETRIGGER_DELAY,
        controls.GLOBAL_DELAY,
    ):
        assert controls.Decision(1, 2, code).reason


trigger_st = st.builds(
    TC,
    trigger_id=st.integers(1, 6),
    priority=st.integers(0, 3),
    global_delay_days=st.integers(0, 5),
    retrigger_delay_days=st.integers(0, 5),
    never_retrigger=st.booleans(),
)
past_day = st.integers(0, 8).map(lambda n: DAY - timedelta(days=n))


@given(
    st.lists(trigger_st, max_size=5, unique_by=lambda t: t.trigger_id),
    st.lists(st.integers(1, 6), max_size=6),
    st.dictionaries(st.tuples(st.integers(1, 6), st.integers(1, 6)), past_day),
    st.dictionaries(st.integers(1, 6), past_day),
)
def test_decide_properties(triggers, users, last_trigger, last_any):
    candidates = {t.trigger_id: users for t in triggers}
    decisions = controls.decide(DAY, triggers, candidates, last_trigger, last_any)
    pairs = [(d.trigger_id, d.user_id) for d in decisions]
    assert len(pairs) == len(set(pairs))
    order = {t.trigger_id: i for i, t in enumerate(controls.evaluation_order(triggers))}
    assert [order[d.trigger_id] for d in decisions] == sorted(
        order[d.trigger_id] for d in decisions
    )
    by_id = {t.trigger_id: t for t in triggers}
    chosen_today = set()
    for decision in decisions:
        trig = by_id[decision.trigger_id]
        if not decision.selected:
            continue
        last = last_trigger.get((trig.trigger_id, decision.user_id))
        if last is not None:
            assert not trig.never_retrigger
            assert (DAY - last).days >= max(trig.retrigger_delay_days, 1)
        if trig.global_delay_days > 0:
            assert decision.user_id not in chosen_today
            prev = last_any.get(decision.user_id)
            assert prev is None or (DAY - prev).days >= trig.global_delay_days
        chosen_today.add(decision.user_id)


def test_stop_if_replied():
    """T9: a user who replied to this trigger is never sent it again when the
    trigger stops for users who replied; another trigger is not stopped."""
    stopping = TC(trigger_id=1, stop_if_replied=True)
    other = TC(trigger_id=2)
    last = {(1, 10): DAY - timedelta(days=30), (2, 10): DAY - timedelta(days=30)}
    decisions = controls.decide(
        DAY,
        [stopping, other],
        {1: [10, 11], 2: [10]},
        last,
        {10: DAY - timedelta(days=30)},
        replied={(1, 10), (2, 10)},
    )
    assert _codes(decisions) == {
        (1, 10): controls.REPLIED,
        (1, 11): controls.SEND,
        (2, 10): controls.SEND,
    }
    assert "replied" in controls.REASONS[controls.REPLIED]
    # without the option, a reply changes nothing
    assert controls.check(other, DAY, None, None, replied=True) == controls.SEND
