"""A short code typed instead of a link, for chats without deep links (Zalo), on Telegram too:
"DK 12345678" takes over a record a colleague registered (the code is in their take-over message);
"DK <nominee code>" opens a nominee's pre-filled registration (the code of their personal link).
Registered before the registration conversation, so the code is never taken for an answer."""
from __future__ import annotations

from aiogram import F
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.infra.routing import Feature
from bot.middlewares import Here
from bot.services import registration as reg
from bot.services.pace import Pace
from handlers.conversation import ask, step_of
from handlers.me import claimed
from handlers.registration import begin_as_nominee
from models import Delegate

async def typed_code(message: Message, here: Here, claim_pace: Pace) -> None:
    code = reg.typed_claim(message.text)
    if claim_pace.wait(here.account.id):
        await message.answer(_("Too many wrong codes. Please wait a quarter of an hour, or ask the organizers."))
        return
    if not reg.is_claim_code(code):  # a nominee's personal code, as their link would have opened
        await begin_as_nominee(message, here, code)
        return
    result = await reg.claim_by_code(here.session, here.conference, here.account, code)
    if isinstance(result, Delegate):
        claim_pace.forget(here.account.id)
        await here.state.clear()
        await claimed(message, here, result)
        return
    if result == "invalid":
        claim_pace.note(here.account.id)
    await message.answer({
        "cancelled": _("This registration was cancelled. You can register again with /start."),
        "already_registered": _("You already have a registration of your own; see /me."),
    }.get(result, _("This code is not valid or has already been used. Please check it with the person who "
                    "registered you.")))
    step = step_of(await here.state.get_state())
    if step:  # in the middle of a registration: carry on with it
        await ask(message, here.state, here.conference, here.lang, step)


def create_router() -> Feature:
    router = Feature(name="claims")
    router.message.register(typed_code, F.chat.type == "private", F.text.func(reg.typed_claim))
    return router
