"""Questions delegates type: the FAQ's decision recorded, hand-off to the organizers, and their replies.

Organizers read the log (/questions) to see what the FAQ does not answer yet; a handed-off question
is relayed to the organizers' group (ORGANIZERS_CHAT_ID) or to each organizer, and a reply to any of
those copies goes back to the delegate.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services.accounts import role_holders
from bot.text import clean, fold
from models import Account, Delegate, Question, QuestionRelay
from models.account import ORGANIZER
from models.base import utcnow
from models.delegate import CONFIRMED
from models.question import HANDED_OFF, REPLIED, UNKNOWN

MAX_KEPT = 1000  # characters of a question kept; the rest is not a question


async def record(session: AsyncSession, conference: Event, account: Account, text: str, outcome: str,
                 entry_id: str = "") -> Question:
    question = Question(event_id=conference.id, account_id=account.id, text=clean(text, lines=True)[:MAX_KEPT],
                        outcome=outcome, entry_id=entry_id)
    session.add(question)
    await session.commit()
    return question


async def settle(session: AsyncSession, question_id: int, account: Account, outcome: str,
                 entry_id: str = "") -> Question | None:
    """The asker picked an answer or asked for a person; only their own question can be settled."""
    question = await session.get(Question, question_id)
    if question is None or question.account_id != account.id:
        return None
    question.outcome, question.entry_id = outcome, entry_id or question.entry_id
    await session.commit()
    return question


async def organizer_chats(session: AsyncSession, admin_ids: frozenset[int], group_id: int | None) -> list[int]:
    if group_id:
        return [group_id]
    # Telegram only: an organizer answers by replying to the relayed message, which Zalo cannot do
    return [h.chat_id for h in await role_holders(session, admin_ids)
            if ORGANIZER in h.roles and h.channel == "telegram"]


async def remember_relay(session: AsyncSession, question: Question, chat_id: int, message_id: int) -> None:
    session.add(QuestionRelay(question_id=question.id, chat_id=str(chat_id), message_id=message_id))
    await session.commit()


async def relayed(session: AsyncSession, chat_id: int, message_id: int) -> Question | None:
    """The question an organizer's reply answers, from the copy they replied to."""
    return await session.scalar(select(Question).join(QuestionRelay, QuestionRelay.question_id == Question.id)
                                .where(QuestionRelay.chat_id == str(chat_id), QuestionRelay.message_id == message_id))


async def reply(session: AsyncSession, question: Question, text: str, by: Account | None) -> bool:
    """Record an organizer's reply; False if another reply was recorded before (it is still sent)."""
    first = question.outcome != REPLIED
    question.outcome, question.reply, question.replied_at = REPLIED, clean(text, lines=True), utcnow()
    question.replied_by_id = by.id if by else None
    await session.commit()
    return first


async def open_questions(session: AsyncSession, conference: Event, limit: int = 20) -> list[Question]:
    """The newest questions the FAQ could not answer, or that wait for an organizer."""
    return list(await session.scalars(select(Question).where(
        Question.event_id == conference.id, Question.outcome.in_((UNKNOWN, HANDED_OFF)))
        .order_by(Question.id.desc()).limit(limit)))


async def registered_by_province(session: AsyncSession, conference: Event) -> dict[str, int]:
    rows = await session.execute(select(Delegate.province, func.count()).where(
        Delegate.event_id == conference.id, Delegate.status == CONFIRMED).group_by(Delegate.province))
    return dict(rows.all())


_DAY = re.compile(r"\b([0-3]?\d)\s+(?:thang\s+)?0?7\b|\bngay\s+([0-3]?\d)\b|\b([0-3]?\d)(?:th|st|nd|rd)\b")


def day_asked(text: str) -> int | None:
    """The day of July a question names ("ngày 28", "28/7", "27 tháng 7", "the 26th"), if any (on the
    folded text, where "28/7" reads "28 7")."""
    match = _DAY.search(fold(text))
    if not match:
        return None
    day = int(next(g for g in match.groups() if g))
    return day if 1 <= day <= 31 else None
