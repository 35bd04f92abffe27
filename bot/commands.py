"""The bot's commands, who may use them, and their menu text: one list for /help and setMyCommands."""
from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n, lazy_gettext as __

from bot.channels.zalo.ids import is_zalo
from bot.event import LANGUAGES
from bot.services.accounts import DELEGATE
from models.account import ORGANIZER, SECRETARIAT, STAFF, secretariat_of


@dataclass(frozen=True)
class Command:
    name: str
    role: str
    description: object  # a lazy translation


COMMANDS = (
    Command("start", DELEGATE, __("Start, or the main menu")),
    Command("me", DELEGATE, __("My registration: review, change, cancel")),
    Command("lang", DELEGATE, __("Tiếng Việt / English")),
    Command("help", DELEGATE, __("What this bot can do")),
    Command("cancel", DELEGATE, __("Stop what you are doing")),
    Command("myqr", DELEGATE, __("My check-in code (QR)")),
    Command("schedule", DELEGATE, __("The agenda")),
    Command("calendar", DELEGATE, __("The parts I attend, for my phone's calendar")),
    Command("reminders", DELEGATE, __("Reminders on or off")),
    Command("venue", DELEGATE, __("Where the conference is (map)")),
    Command("checkin", STAFF, __("Reception desk: check delegates in")),
    Command("find", STAFF, __("Find a delegate by name or phone")),
    Command("stats", STAFF, __("Registered and checked in")),
    Command("desk", STAFF, __("Reception desk page on a computer (login link)")),
    Command("invite_staff", ORGANIZER, __("Invitation link for reception staff")),
    Command("invite_organizer", ORGANIZER, __("Invitation link for another organizer")),
    Command("roles", ORGANIZER, __("Who holds which role (remove)")),
    Command("questions", ORGANIZER, __("Questions the FAQ could not answer")),
    Command("invites", ORGANIZER, __("Open invitations (revoke)")),
    Command("broadcast", ORGANIZER, __("Send a message to delegates")),
    Command("agenda", ORGANIZER, __("Change the agenda (time, place, cancel, add)")),
    Command("transport", ORGANIZER, __("Airport pick-ups and buses: plan, move, manifest")),
    Command("export", ORGANIZER, __("Lists in Excel: delegates, check-ins, rooms, meals")),
    Command("rooms", ORGANIZER, __("Hotel rooms: who is placed, /rooms auto to fill them, /room to place one")),
    Command("dashboard", ORGANIZER, __("Live arrivals dashboard on a computer (login link)")),
    Command("import", ORGANIZER, __("Import a province's list of nominees")),
    Command("badges", ORGANIZER, __("Badges to print (PDF): all, a province, a category, one delegate")),
    Command("mc", ORGANIZER, __("The MC's list: delegates checked in, in protocol order")),
    Command("invite_secretariat", ORGANIZER, __("Invitation link for a province's secretariat")),
    Command("reports", ORGANIZER, __("Province reports: who sent theirs, all in one ZIP")),
    Command("final_report", ORGANIZER, __("The final report (Word and Excel)")),
    Command("import", SECRETARIAT, __("Import a province's list of nominees")),
    Command("report", SECRETARIAT, __("Send the province's six-month report")),
)


EVERYONE = ("start", "me", "help", "cancel", "lang")  # what every role's /help lists beside its own


@dataclass(frozen=True)
class Shortcut:
    """A button of a role's home menu: pressing it does what its command does."""
    command: str
    label: object  # a lazy translation


# Each role's home (its /start): staff and organizers see their work first; their own registration stays
# one tap away.
HOME = {
    STAFF: (Shortcut("checkin", __("🛎 Reception desk")), Shortcut("find", __("🔎 Find a delegate")),
            Shortcut("stats", __("📊 Arrivals")), Shortcut("desk", __("💻 Desk page (computer)"))),
    ORGANIZER: (Shortcut("broadcast", __("📣 Message to delegates")), Shortcut("agenda", __("🗓 Change the agenda")),
                Shortcut("export", __("📥 Lists (Excel)")), Shortcut("questions", __("❔ Open questions")),
                Shortcut("roles", __("👤 Roles and invitations")), Shortcut("dashboard", __("📈 Dashboard (computer)")),
                Shortcut("transport", __("🚌 Transport"))),
}
HEADINGS = {ORGANIZER: __("Organizers"), STAFF: __("Reception staff"), DELEGATE: __("Everyone")}


def commands_for(roles: set[str]) -> list[Command]:
    held = set(roles) | ({SECRETARIAT} if secretariat_of(roles) else set())  # of one province or another
    commands = [c for c in COMMANDS if c.role in held]
    return [c for n, c in enumerate(commands) if c.name not in {d.name for d in commands[:n]}]


def home_role(roles: set[str] | frozenset[str]) -> str | None:
    """The role whose home menu a person sees: organizers (who are staff too) first; None for a delegate."""
    return next((role for role in (ORGANIZER, STAFF) if role in roles), None)


def help_sections(roles: set[str] | frozenset[str]) -> tuple[list[tuple[object, list[Command]]], list[Command]]:
    """What /help lists: the role's own commands under its heading and the few everyone uses; then the other
    commands the person may use, named only. A delegate gets the delegate's commands."""
    role = home_role(roles)
    if role is None:
        return [(None, commands_for({DELEGATE}))], []
    own = [c for c in COMMANDS if c.role == role]
    common = [c for c in COMMANDS if c.name in EVERYONE]
    others = [c for c in commands_for(set(roles)) if c not in own and c not in common]
    return [(HEADINGS[role], own), (HEADINGS[DELEGATE], common)], others


async def publish(bot: Bot, i18n: I18n) -> None:
    """The command menu in each language (and the default language for everyone else)."""
    for lang in LANGUAGES:
        with i18n.context(), i18n.use_locale(lang):
            menu = [BotCommand(command=c.name, description=str(c.description)) for c in commands_for({DELEGATE})]
            await bot.set_my_commands(menu, scope=BotCommandScopeDefault(), language_code=lang)
            if lang == i18n.default_locale:
                await bot.set_my_commands(menu, scope=BotCommandScopeDefault())


async def publish_for_chat(bot: Bot, i18n: I18n, chat_id: int, roles: set[str], lang: str) -> None:
    """Staff and organizers see their own commands in their chat with the bot.

    A Zalo chat has no command menu, so there is nothing to publish. The check is here, by the chat id, and not
    only in the Zalo session (which answers SetMyCommands as done): the chat is often not the one being served.
    An organizer on Telegram who removes a Zalo staff member's role calls this with Telegram's bot, which would
    be sent a Zalo chat id it does not know."""
    if is_zalo(chat_id):
        return
    sections, others = help_sections(roles)
    ordered = [c for _heading, listed in sections for c in listed] + others  # the role's own first, as in /help
    with i18n.context(), i18n.use_locale(lang):
        menu = [BotCommand(command=c.name, description=str(c.description)) for c in ordered]
    try:
        await bot.set_my_commands(menu, scope=BotCommandScopeChat(chat_id=chat_id))
    except (TelegramBadRequest, TelegramForbiddenError):
        pass  # the person has not opened the bot yet (or blocked it); their menu is set when they do
