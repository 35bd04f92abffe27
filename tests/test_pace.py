"""The sliding window behind the desk's search pace and the wrong-code limit."""
from bot.services.pace import Pace


def test_wrong_codes_are_counted_only_when_noted_and_a_success_forgets_them():
    now = [0.0]
    pace = Pace(2, 900, clock=lambda: now[0])
    assert pace.wait(7) == 0
    pace.note(7)
    pace.note(7)
    assert pace.wait(7) == 900  # the third try waits the whole quarter hour
    assert pace.wait(8) == 0  # someone else is not held up
    pace.forget(7)
    assert pace.wait(7) == 0


def test_a_refused_event_is_not_counted_and_the_window_passes():
    now = [0.0]
    pace = Pace(1, 60, clock=lambda: now[0])
    assert pace.take(1) == 0
    now[0] = 30.0
    assert pace.take(1) == 30
    now[0] = 60.0
    assert pace.take(1) == 0


def test_people_whose_window_has_passed_are_not_kept_in_memory():
    now = [0.0]
    pace = Pace(3, 60, clock=lambda: now[0])
    for who in range(1000):
        pace.take(who)
    now[0] = 61.0
    for who in range(1000):
        assert pace.wait(who) == 0
    assert pace._events == {}
