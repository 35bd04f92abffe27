"""What the reminders worker does with a send's answer (read by bot/workers/outcome.py, as for the outbox):
a blocked chat is marked unreachable and its reminders recorded as blocked, a refused one as failed, and a
fault on the way gives the reminders back to be tried again."""
from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramServerError
from aiogram.methods import SendMessage
from sqlalchemy import select

from bot.i18n import build_i18n
from bot.services import agenda, reminders
from bot.workers.reminders import ReminderScheduler
from models import Account, ReminderDelivery
from tests.test_reminders_service import future, people

METHOD = SendMessage(chat_id=1, text="")


class Answering:
    """A bot whose every message gets the same answer."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def send_message(self, chat_id, text):
        raise self.exc


async def send_one(db, conference, exc) -> tuple[Account, list[str]]:
    account_id, _own, _other = await people(db, conference)
    worker = ReminderScheduler(Answering(exc), db, conference, build_i18n("vi"), frozenset(), "vi")
    shift = future(conference)  # the seed conference moved ahead, so that its reminders are still to come
    async with db.session() as session:
        for part in conference.parts:
            await agenda.change(session, conference, part.code, None, starts_at=part.starts_at + shift)
        due = [d for d in await reminders.plan(session, conference) if d.account_id == account_id]
    group = reminders.by_message(due)[0]
    await worker.send(group)
    async with db.session() as session:
        statuses = list(await session.scalars(select(ReminderDelivery.status)))
        return await session.get(Account, account_id), statuses


@pytest.mark.parametrize(("exc", "reachable", "status"), [
    (TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user"), False, "blocked"),
    (TelegramBadRequest(METHOD, "Bad Request: chat not found"), True, "failed"),
])
async def test_a_final_answer_is_recorded(db, conference, exc, reachable, status):
    account, statuses = await send_one(db, conference, exc)
    assert account.reachable is reachable
    assert statuses and set(statuses) == {status}


async def test_a_fault_on_the_way_gives_the_reminders_back(db, conference):
    account, statuses = await send_one(db, conference, TelegramServerError(METHOD, "Internal Server Error"))
    assert account.reachable is True
    assert statuses == []
