"""What became of one message a worker sent: the one place where a send's answer is read, for the outbox
(bot/workers/outbox.py) and the reminders (bot/workers/reminders.py) alike.

The sender (bot/infra/sender.py) has already waited out 429s and retried faults within its budget; what
reaches here is final for this attempt:

- sent: Telegram (or the Zalo bridge) took it;
- blocked: 403, the person blocked the bot or closed the account; the worker marks the account unreachable
  (bot/services/accounts.py) until they write again, and a broadcast's report names them;
- failed: 400, refused for good (chat not found, a file gone); sending it again would be refused again;
- later: a network fault, a 5xx or a 429 past the sender's budget: not the recipient's doing, so the row is
  given back to be tried again (the outbox counts it failed after a few attempts, bot/services/outbox.py).

"dropped" is no answer to a send: it is what a stopped broadcast's rows not yet sent become; nor is "expired",
a reminder not sent because its part had begun (models/reminder.py).

The words are the statuses both tables store (outbox, reminder_deliveries).
"""
from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass

from aiogram.exceptions import (TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError,
                                TelegramRetryAfter, TelegramServerError)

from models.outbox import BLOCKED, FAILED, SENT  # the outcomes are the statuses both tables store

LATER = "later"
NOT_OURS = (TelegramNetworkError, TelegramServerError, TelegramRetryAfter)  # faults on the way, tried again


@dataclass(frozen=True)
class Outcome:
    status: str  # SENT, BLOCKED, FAILED or LATER
    error: str = ""  # Telegram's words, kept on the row and in the log


async def attempt(send: Awaitable[object]) -> Outcome:
    """Await one send and say what became of it; any other exception is a bug and goes up."""
    try:
        await send
    except TelegramForbiddenError as exc:
        return Outcome(BLOCKED, exc.message)
    except TelegramBadRequest as exc:
        return Outcome(FAILED, exc.message)
    except NOT_OURS as exc:
        return Outcome(LATER, str(exc))
    return Outcome(SENT)
