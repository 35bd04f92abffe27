"""One reading of a send's answer for both workers (bot/workers/outcome.py): what is final, what is tried again."""
from __future__ import annotations

import pytest
from aiogram.exceptions import (TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError,
                                TelegramRetryAfter, TelegramServerError)
from aiogram.methods import SendMessage

from bot.workers.outcome import BLOCKED, FAILED, LATER, SENT, Outcome, attempt

METHOD = SendMessage(chat_id=1, text="Nhắc lịch")


async def answer(exc: Exception | None):
    if exc is not None:
        raise exc
    return True


@pytest.mark.parametrize(("exc", "expected"), [
    (None, Outcome(SENT)),
    (TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user"),
     Outcome(BLOCKED, "Forbidden: bot was blocked by the user")),
    (TelegramBadRequest(METHOD, "Bad Request: chat not found"), Outcome(FAILED, "Bad Request: chat not found")),
])
async def test_a_final_answer_is_kept_with_telegrams_words(exc, expected):
    assert await attempt(answer(exc)) == expected


@pytest.mark.parametrize("exc", [
    TelegramNetworkError(METHOD, "connection reset"),
    TelegramServerError(METHOD, "Internal Server Error"),
    TelegramRetryAfter(METHOD, "Too Many Requests", retry_after=30),
])
async def test_a_fault_on_the_way_is_tried_again(exc):
    outcome = await attempt(answer(exc))
    assert outcome.status == LATER
    assert outcome.error == str(exc)


async def test_a_bug_is_not_taken_for_an_answer():
    with pytest.raises(ZeroDivisionError):
        await attempt(answer(ZeroDivisionError()))


def test_the_outcomes_are_the_statuses_both_tables_store():
    from models import outbox, reminder
    assert (SENT, BLOCKED) == (outbox.SENT, outbox.BLOCKED) == (reminder.SENT, reminder.BLOCKED)
    assert FAILED == outbox.FAILED
