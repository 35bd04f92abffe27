"""The registration steps: what each asks, which buttons it offers, and how a typed answer is read.

A step answered by a button arrives as Pick(step, key); a typed number or label was already
turned into that press by bot.screens.ui. What still arrives as text here is free text (names, times,
notes, phone numbers) or a typed answer that matched nothing.
"""
from __future__ import annotations

from collections.abc import Callable
import re
from dataclasses import dataclass
from datetime import date
from html import escape

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.event import Event
from bot.screens.callbacks import Pick
from bot.screens.render import day, draft_card, part_label
from bot.services import fields
from bot.services.choices import Choice, match_many
from bot.services.fields import Refusal
from bot.services.phone import display_phone, normalize_phone
from bot.services.registration import Draft
from bot.services.vocabulary import (ANSWER_WORDS, ANY_COLLEAGUE, CANCEL, CHANGE, DONE, NO, NOT_KNOWN,
                                     QUESTION_WORDS, SKIP, YES, day_words, is_question)
from bot.text import fold
from bot.screens.ui import Button, Menu, column

ORDER = ("province", "category", "full_name", "phone", "position", "organization", "sessions",
         "arrival_date", "arrival_time", "travel_mode", "lodging", "departure", "room", "note", "salutation",
         "companions", "confirm")
# asked only from the review (its buttons, or "change"): the note with the diets, the form of address (also read
# off a name typed with it, "Ông Nguyễn Văn An"), the people travelling with the delegate
ON_REVIEW = ("note", "salutation", "companions")
# what one "change" button re-asks, in order
GROUPS = {
    "full_name": ["full_name"], "position": ["position"], "organization": ["organization"], "phone": ["phone"],
    "province": ["province", "category"], "category": ["category"], "sessions": ["sessions"],
    "arrival": ["arrival_date", "arrival_time", "travel_mode"], "departure": ["departure"],
    "lodging": ["lodging", "departure", "room"], "note": ["note"], "salutation": ["salutation"],
    "companions": ["companions"],
}
# the draft's field a step fills, where the names differ (step names are stored in conversations and buttons)
FIELD_OF_STEP = {"lodging": "needs_lodging", "sessions": "parts"}
TEXT_STEPS = {"full_name", "position", "organization", "note", "companions"}
# what a text typed at a step is taken as (taken_as); WHICH: the step of the menu that asks, when in doubt
ANSWER, QUESTION, DOUBT, WHICH = "answer", "question", "doubt", "which"
# what people call each field when they ask to change it (the field's label works too)
FIELD_WORDS = {
    "full_name": ("tên", "họ tên", "họ và tên", "name"), "position": ("chức vụ", "chức danh", "title"),
    "organization": ("đơn vị", "cơ quan", "đơn vị công tác", "organisation"),
    "phone": ("sđt", "số điện thoại", "điện thoại", "số đt", "mobile", "phone number"),
    "province": ("tỉnh",), "category": ("thành phần",), "sessions": ("phần tham dự", "buổi", "tham dự", "parts"),
    "arrival": ("ngày đến", "giờ đến", "phương tiện", "đi lại", "travel"),
    "lodging": ("chỗ ở", "khách sạn", "phòng", "lưu trú", "hotel", "room"),
    "note": ("ghi chú", "lưu ý", "ăn uống", "ăn chay", "diet"), "departure": ("ngày về", "ngày đi", "giờ về", "leave"),
    "salutation": ("xưng hô", "danh xưng", "ông bà", "address"),
    "companions": ("người đi cùng", "lái xe", "trợ lý", "driver", "assistant"),
}
_DAY = re.compile(r"\d{1,2}[/.\-]\d{1,2}")
_DAY_FILLER = re.compile(r"\s+(?:lúc|luc|vào|vao|at|,)\s*|,\s*", re.IGNORECASE)


@dataclass
class Prompt:
    text: str
    menu: Menu | None = None
    strict: bool = False  # the menu sits beside a free-text question
    reply_keyboard: ReplyKeyboardMarkup | None = None


def _pick(step: str, key: str, label: str, *aliases: str) -> Button:
    return Button(label, Pick(step=step, key=key).pack(), aliases)


def _day_aliases(d) -> tuple[str, ...]:
    return (day(d, "vi"), day(d, "en"), *day_words(d))


def _hint() -> str:
    return _("Tap a button, or type its number or name.")


def field_labels() -> dict[str, str]:
    return {
        "full_name": _("Full name"), "position": _("Position"), "organization": _("Organization"),
        "phone": _("Phone"), "province": _("Province"), "category": _("Category"),
        "sessions": _("Sessions attended"), "arrival": _("Arrival"), "departure": _("Departure"),
        "lodging": _("Lodging"), "note": _("Note and diet"), "salutation": _("Form of address"),
        "companions": _("Travelling with you"),
    }


def part_choices(conference: Event, lang: str) -> list[Choice]:
    return [Choice(s.code, part_label(s, conference, lang), (s.title.vi, s.title.en, *s.words))
            for s in conference.parts]


def _ask_province(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    buttons = [_pick(step, p.code, p.name.get(lang), p.name.vi, p.name.en, *p.words) for p in conference.provinces]
    text = _("Which province do you represent?") if for_self else _("Which province is the delegate from?")
    return Prompt(f"{text}\n<i>{_hint()}</i>", column(buttons, 2))


def _ask_category(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    categories = conference.categories_for(draft.province or "")
    listing = "\n".join(f"{n}. {escape(c.name.get(lang))}" for n, c in enumerate(categories, 1))
    buttons = [_pick(step, c.code, c.label.get(lang), c.label.vi, c.label.en, c.name.vi, c.name.en, *c.words)
               for c in categories]
    question = _("Which category (thành phần)?")
    province = conference.province(draft.province or "")
    if not for_self and province:  # a delegation's province, remembered from the colleague before
        question = _("A delegate of <b>{province}</b> (another province: change it on the review).").format(
            province=escape(province.name.get(lang))) + "\n" + question
    return Prompt(f"{question}\n{listing}\n<i>{_hint()}</i>", column(buttons))


def _ask_full_name(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    text = _("Your full name, as it should appear on the badge:") if for_self else _(
        "The delegate's full name, as it should appear on the badge:")
    example = _("For example: Nguyễn Văn An")
    if not for_self:
        example += "\n\n" + _("Several colleagues at once? Paste a list, one person a line: full name, position, "
                               "phone. For example:") + "\nNguyễn Văn An, Phó Giám đốc Sở, 0905 123 456"
    return Prompt(f"{text}\n<i>{example}</i>")


def _ask_position(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    example = _("For example: Phó Chủ tịch UBND tỉnh")
    text = _("Position (chức vụ)?") + f"\n<i>{example}</i>"
    suggested = suggested_organization(draft, conference)
    if not draft.position and draft.organization and draft.organization == suggested:
        shown = conference.organization_in(draft.organization, draft.province or "", lang)
        text += "\n\n" + _("Organization: <b>{organization}</b> (suggested from the category; it can be changed "
                            "on the review).").format(organization=escape(shown))
    return Prompt(text)


def suggested_organization(draft: Draft, conference: Event) -> str | None:
    """The category's suggested organization, in the event's own language: stored so, shown translated."""
    return conference.default_organization(draft.category or "", draft.province or "", conference.language)


def follow_category(draft: Draft, conference: Event) -> None:
    """The suggested organization filled in (one question fewer), unless one was typed: a suggestion of another
    category or province is replaced; with no suggestion (the press) the organization is asked."""
    suggestion = suggested_organization(draft, conference)
    if suggestion and (not draft.organization or draft.organization in _suggestions(conference)):
        draft.organization = suggestion


def _suggestions(conference: Event) -> set[str]:
    return {conference.default_organization(c.code, p.code, lang) for c in conference.categories
            for p in conference.provinces for lang in ("vi", "en")} - {None}


def _ask_organization(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    default = conference.default_organization(draft.category or "", draft.province or "", lang)
    if default:
        text = _("Organization (đơn vị)? Type it, or use the suggestion:")
        return Prompt(text, [[_pick(step, "default", default, *YES)]], strict=True)
    return Prompt(_("Organization (đơn vị)? For the press: the newspaper, radio or TV station."))


def _ask_phone(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    if for_self:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text=_("📱 Send my phone number"), request_contact=True)]],
            resize_keyboard=True, one_time_keyboard=True,
            input_field_placeholder="0905 123 456",
        )
        return Prompt(_("Your mobile number? Tap the button below to share it, or type it (e.g. 0905 123 456)."),
                      reply_keyboard=keyboard)
    return Prompt(_("The delegate's mobile number? Type it, e.g. 0905 123 456."))


def _ask_parts(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    buttons = [
        _pick(step, c.key, ("☑️ " if c.key in draft.parts else "⬜ ") + c.label, *c.aliases)
        for c in part_choices(conference, lang)
    ]
    buttons += [_pick(step, "all", _("✅ All parts"), "all", "tất cả", "tat ca", "ca hai", "cả hai"),
                _pick(step, "done", _("✅ Done"), *DONE)]
    text = _("Which parts will you attend? Tap to tick, then Done. Or type the numbers, e.g. 1, 3, or «all».")
    listing = "\n".join(f"{n}. {'☑️ ' if c.key in draft.parts else ''}{c.label}"
                        for n, c in enumerate(part_choices(conference, lang), 1))
    return Prompt(f"{text}\n{listing}", column(buttons))


def _ask_arrival_date(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    buttons = [_pick(step, d.isoformat(), day(d, lang), *_day_aliases(d)) for d in conference.arrival_days()]
    buttons.append(_pick(step, "unknown", _("Not known yet"), *NOT_KNOWN))
    question = _("When do you arrive in {city}? Choose the day, or type the day and time, e.g. {example}.").format(
        city=escape(conference.city.get(lang)), example=f"{conference.arrival_days()[1]:%d/%m} 14:30")
    return Prompt(question, column(buttons, 2))


def _ask_arrival_time(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    text = _("At what time, roughly? Type it, e.g. 14:30.")
    return Prompt(text, [[_pick(step, "unknown", _("Not known yet"), *NOT_KNOWN)]], strict=True)


def _ask_travel_mode(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    buttons = [_pick(step, m.code, m.label.get(lang), m.label.vi, m.label.en, *m.words)
               for m in conference.travel_modes]
    question = _("How are you travelling?")
    return Prompt(f"{question}\n<i>{_hint()}</i>", column(buttons))


def _ask_lodging(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    buttons = [_pick(step, "yes", _("Yes, please arrange it"), *YES), _pick(step, "no", _("No, thank you"), *NO)]
    text = _("Should the host ({host}) arrange lodging?").format(host=escape(conference.host.get(lang)))
    return Prompt(f"{text}\n<i>{_hint()}</i>", column(buttons))


def _ask_note(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    text = _("Anything the organizers should know (diet, health, accessibility)? Type it, or:")
    diets = [_pick(step, d.code, d.label.get(lang), d.label.vi, d.label.en, *d.words) for d in conference.diets]
    return Prompt(text, column(diets, 2) + [[_pick(step, "none", _("Nothing to add"), *SKIP)]], strict=True)


def _ask_departure(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    buttons = [_pick(step, d.isoformat(), day(d, lang), *_day_aliases(d)) for d in conference.departure_days()]
    buttons.append(_pick(step, "unknown", _("Not known yet"), *NOT_KNOWN))
    question = _("When do you leave {city}? Choose the day, or type the day and time, e.g. {example}.").format(
        city=escape(conference.city.get(lang)), example=f"{conference.departure_days()[-2]:%d/%m} 14:00")
    return Prompt(question, column(buttons, 2))


def _ask_room(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    buttons = [_pick(step, "single", _("Single room"), "đơn", "phòng đơn", "single"),
               _pick(step, "shared", _("Shared with a colleague"), "ghép", "phòng ghép", "phòng đôi", "shared", "twin")]
    text = _("A single room, or shared with a colleague of the same delegation? To share with someone in "
             "particular, type their full name.")
    return Prompt(text, column(buttons), strict=True)


def _ask_salutation(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    text = _("How should letters, room lists and the MC address the delegate?")
    return Prompt(text, salutation_row(step))


def salutation_row(step: str) -> Menu:
    return [[_pick(step, "ong", _("Ông (Mr)"), "ông", "ong", "mr"), _pick(step, "ba", _("Bà (Ms)"), "bà", "ba", "ms")]]


def _ask_companions(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    text = _("Who travels with the delegate and needs the host's lodging and meals too (a driver, an assistant)? "
             "Type them separated by «;», e.g. «lái xe; trợ lý», or:")
    return Prompt(text, [[_pick(step, "none", _("Nobody"), *SKIP)]], strict=True)


def _ask_confirm(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    note = _("📝 Change the note") if draft.note else _("📝 Add a note (diet, health, accessibility)")
    buttons = [_pick(step, "confirm", _("✅ Confirm"), *YES), _pick(step, "note", note),
               _pick(step, "change", _("✏️ Change something"), *CHANGE), _pick(step, "cancel", _("✖️ Cancel"), *CANCEL)]
    heading = _("Please check the registration:")
    text = f"<b>{heading}</b>\n\n{draft_card(draft, conference, lang)}"
    if draft.salutation:
        return Prompt(text, column(buttons))
    text += "\n\n" + _("How should letters and the MC address the delegate? Choose Ông or Bà below.")
    return Prompt(text, column(buttons) + salutation_row(step))


def _ask_change(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    buttons = [_pick(step, name, label, *FIELD_WORDS.get(name, ())) for name, label in field_labels().items()]
    return Prompt(_("What would you like to change?"), column(buttons, 2))


def adapt(p: Prompt, step: str, data: dict, draft: Draft, conference: Event, lang: str) -> Prompt:
    """A delegation's additions: "same as the colleague before" at the arrival; a pasted list reviewed together."""
    previous, batch = data.get("previous"), data.get("batch")
    if step == "arrival_date" and previous:
        same = _pick(step, "same", _("↩️ Same as {name}").format(name=previous["name"]), "same", "như trên")
        details = travel_line(Draft(**{k: v for k, v in previous.items() if k != "name"}), conference, lang)
        text = p.text + "\n\n" + _("Or the same arrival, travel and lodging as {name}: {details}.").format(
            name=escape(previous["name"]), details=details)
        return Prompt(text, [[same]] + (p.menu or []), p.strict, p.reply_keyboard)
    if step == "confirm" and batch:
        return _ask_batch(draft, batch, conference, lang)
    if step == "change" and batch:  # the shared answers; a person of the list is changed after, in /me
        rows = [[b] for row in p.menu for b in row if Pick.unpack(b.data).key not in BATCH_OWN]
        return Prompt(p.text, rows)
    return p


BATCH_OWN = ("full_name", "position", "phone")


def travel_line(draft: Draft, conference: Event, lang: str) -> str:
    mode = conference.travel_mode(draft.travel_mode or "")
    parts = [f"{day(date.fromisoformat(draft.arrival_date), lang)} {draft.arrival_time or ''}".strip()
             if draft.arrival_date else _("Not known yet"),
             escape(mode.label.get(lang)) if mode else "",
             _("lodging arranged") if draft.needs_lodging else _("no lodging")]
    return ", ".join(part for part in parts if part)


def _ask_batch(draft: Draft, batch: list[dict], conference: Event, lang: str) -> Prompt:
    people = "\n".join(f"• <b>{escape(x['full_name'])}</b>, {escape(x['position'])}, {display_phone(x['phone'])}"
                       for x in batch)  # bullets: on Zalo, numbered lines are the menu's
    shared = Draft(**{**draft.dump(), "full_name": None, "position": None, "phone": None})
    heading = _("Please check these {count} registrations:").format(count=len(batch))
    text = f"<b>{heading}</b>\n{people}\n\n{_('For each of them:')}\n{draft_card(shared, conference, lang)}"
    buttons = [_pick("confirm", "confirm", _("✅ Confirm all {count}").format(count=len(batch))),
               _pick("confirm", "change", _("✏️ Change something")), _pick("confirm", "cancel", _("✖️ Cancel"))]
    return Prompt(text, column(buttons))


_QUESTIONS = {
    "province": _ask_province,
    "category": _ask_category,
    "full_name": _ask_full_name,
    "position": _ask_position,
    "organization": _ask_organization,
    "phone": _ask_phone,
    "sessions": _ask_parts,
    "arrival_date": _ask_arrival_date,
    "arrival_time": _ask_arrival_time,
    "travel_mode": _ask_travel_mode,
    "lodging": _ask_lodging,
    "departure": _ask_departure,
    "room": _ask_room,
    "note": _ask_note,
    "salutation": _ask_salutation,
    "companions": _ask_companions,
    "confirm": _ask_confirm,
    "change": _ask_change,
}


def prompt(step: str, draft: Draft, conference: Event, lang: str, for_self: bool) -> Prompt:
    """The question for a step, in the user's language, with its buttons."""
    return _QUESTIONS[step](step, draft, conference, lang, for_self)


def refusal_text(refusal: Refusal) -> str:
    n = refusal.numbers
    return {
        "empty": _("Please type an answer."),
        "too_short": _("That is too short."),
        "too_long": _("That is too long: {length} characters, at most {limit} please.").format(**n)
        if refusal.reason == "too_long" else "",  # only its own numbers fit ("too_short" carries others)
        "emoji": _("Please type the name in letters only, without emoji."),
        "digits": _("A name should not contain digits. Please type the full name."),
        "no_letters": _("Please type it in words."),
        "phone": _("That does not look like a Vietnamese mobile number. Please type 10 digits, e.g. 0905 123 456."),
        "time": _("I could not read that time. Please type it like 14:30."),
        "choose": _("Please choose one of the options: tap a button, or type its number or name."),
        "sessions": _("Please choose at least one part."),
        "day_and_time": _("Please choose the day, or type the day and time, e.g. 26/7 14:30."),
        "departure": _("Please choose the day you leave, or type the day and time, e.g. 28/7 14:00."),
    }[refusal.reason]


def read_text(step: str, text: str, draft: Draft, conference: Event, lang: str) -> object:
    """A typed answer → the value to store, or a Refusal."""
    if step == "note":
        return _note_and_diets(text, draft, conference, lang)
    if step in TEXT_STEPS:
        return fields.text_field(step, text)
    if step == "room":  # a colleague's name: shared with them
        name = fields.text_field("roommate", text)
        if isinstance(name, Refusal):
            return name
        return ("shared", None) if fold(name) in {fold(w) for w in ANY_COLLEAGUE} else ("shared", name)
    if step == "departure":
        return _day_and_time(text, conference, conference.departure_days(), "departure")
    if step == "phone":
        return normalize_phone(text) or Refusal("phone")
    if step == "arrival_time":
        value = fields.arrival_time(text)
        return value if isinstance(value, Refusal) else value.strftime("%H:%M")
    if step == "sessions":
        picked = match_many(text, part_choices(conference, lang))
        return [c.key for c in picked] if picked else Refusal("choose")
    if step == "arrival_date":
        return _day_and_time(text, conference, conference.arrival_days(), "day_and_time")
    return Refusal("choose")


def diet_choices(conference: Event, lang: str) -> list[Choice]:
    return [Choice(d.code, d.label.get(lang), (d.label.vi, d.label.en, *d.words)) for d in conference.diets]


def _note_and_diets(text: str, draft: Draft, conference: Event, lang: str) -> object:
    """The note, and the diets it names: "1, 3" picks diets; "ăn chay, không hành" is a note that ticks
    vegetarian too."""
    note = fields.text_field("note", text)
    if isinstance(note, Refusal):
        return note
    choices = diet_choices(conference, lang)
    picked = match_many(text, choices) if choices else None
    if picked:
        return draft.note or "", [c.key for c in picked]
    return note, sorted(set(draft.diets) | set(diets_named(text, conference, lang)))


def diets_named(text: str, conference: Event, lang: str) -> list[str]:
    """The diets a typed text names in its words ("khong an thit heo, an chay" → vegetarian)."""
    folded = f" {fold(text)} "
    return [c.key for c in diet_choices(conference, lang) if any(f" {fold(w)} " in folded for w in c.aliases
                                                                 if fold(w))]


def taken_as(step: str, text: str, value: object, clear_faq: Callable[[str], bool]) -> str:
    """ANSWER, QUESTION (answered, then the step again) or DOUBT (ask which) for a text typed at a step, read
    as `value`. Plainly a question: a question mark or a question word (vocabulary.is_question). At the
    position or organization, a text the venue questions clearly answer (`clear_faq`) may be either
    ("Phóng viên" is a position and a topic); a name with a question word but no question mark may be a
    name, and at the note a question may be the note itself. At the other steps, a text that
    is no answer is a question if it reads as one or the venue questions clearly answer it."""
    asking = is_question(text) and bool(fold(text))
    if step in TEXT_STEPS:
        if asking:  # a name may read as a question ("Khách Sạn Ở Đâu"), a note may be one
            plainly = "?" in text and step == "full_name" or step in ("position", "organization")
            return QUESTION if plainly else DOUBT
        if step in ("position", "organization") and not isinstance(value, Refusal) and clear_faq(text):
            return DOUBT
        return ANSWER
    if not isinstance(value, Refusal):
        return ANSWER
    return QUESTION if asking or clear_faq(text) else ANSWER


def doubt_text(step: str, text: str) -> str:
    field = field_labels().get(step, "")
    return _("“{text}”: is this your answer ({field}), or a question about the conference?").format(
        text=escape(text[:200]), field=escape(field))


def doubt_menu() -> Menu:
    return column([
        Button(_("✅ It is my answer"), Pick(step=WHICH, key=ANSWER).pack(), ANSWER_WORDS),
        Button(_("❓ It is a question"), Pick(step=WHICH, key=QUESTION).pack(), QUESTION_WORDS),
    ])


def _day_and_time(text: str, conference: Event, days: list[date], refusal: str) -> tuple[str, str] | Refusal:
    """"26/7 14:30", "26/7 lúc 14h30", "thu tu 26/7 9am": a day of `days` and a time in one answer."""
    day = _DAY.search(text)
    moment = fields.day_and_time(_DAY_FILLER.sub(" ", text[day.start():]), days[0]) if day else Refusal("time")
    if isinstance(moment, Refusal) or moment.date() not in days:
        return Refusal(refusal)
    return moment.date().isoformat(), moment.strftime("%H:%M")


def read_pick(step: str, key: str, draft: Draft, conference: Event, lang: str) -> object:
    """A button's key → the value to store, or None if the key is not (or no longer) valid."""
    if step == "province":
        return key if conference.province(key) else None
    if step == "category":
        return key if key in {c.code for c in conference.categories_for(draft.province or "")} else None
    if step == "organization":  # stored in the event's language, shown in the person's (render.draft_card)
        return conference.default_organization(draft.category or "", draft.province or "", conference.language)
    if step == "arrival_date":
        if key == "unknown":
            return ""
        return key if key in {d.isoformat() for d in conference.arrival_days()} else None
    if step == "arrival_time":
        return "" if key == "unknown" else None
    if step == "travel_mode":
        return key if conference.travel_mode(key) else None
    if step == "lodging":
        return {"yes": True, "no": False}.get(key)
    if step == "note":
        return "" if key == "none" else ((draft.note or "", [key]) if conference.diet(key) else None)
    if step == "departure":
        return "" if key == "unknown" else (key if key in {d.isoformat() for d in conference.departure_days()} else None)
    if step == "room":
        return (key, None) if key in ("single", "shared") else None
    if step == "salutation":
        return key if key in fields.SALUTATIONS else None
    if step == "companions":
        return "" if key == "none" else None
    return None


def store(draft: Draft, step: str, value: object) -> None:
    if step in _STORE:
        _STORE[step](draft, value)
        return
    if step == "full_name":  # "Ông Nguyễn Văn An": the form of address said with the name
        salutation, value = fields.salutation_in(value)
        draft.salutation = salutation or draft.salutation
    if step == "arrival_date" and not value:
        draft.arrival_date = draft.arrival_time = draft.travel_mode = None
        return
    if step == "arrival_date" and isinstance(value, (tuple, list)):  # the day and the time typed together
        draft.arrival_date, draft.arrival_time = value
        return
    if step == "arrival_date":
        draft.arrival_time = None  # a day tapped: its time is asked next
    if step == "province" and value != draft.province:
        draft.category = None  # the categories offered depend on the province
    setattr(draft, FIELD_OF_STEP.get(step, step), value if value != "" else None)


def _store_departure(draft: Draft, value: object) -> None:
    draft.departure_date, draft.departure_time = value if isinstance(value, (tuple, list)) else (value or None, None)


def _store_room(draft: Draft, value: object) -> None:
    draft.room_share, draft.roommate = value


def _store_note(draft: Draft, value: object) -> None:
    draft.note, draft.diets = value if isinstance(value, (tuple, list)) else (value or None, [])


_STORE = {"departure": _store_departure, "room": _store_room, "note": _store_note}
