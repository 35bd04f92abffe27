"""What goes on the printed papers, from the records: the badge cards (with the check-in link the chat's
/myqr carries), the sign-in sheets' pages and the MC's list read aloud at the opening."""
from __future__ import annotations

from bot.event import Event
from bot.screens.papers import Card
from bot.screens.render import day
from bot.screens.sign_sheets import Labels, Sheet, Signer
from bot.services import tickets
from bot.services.export_sheets import words
from bot.services.papers import Delegation
from models import Delegate


def checkin_link(username: str, secret: str, delegate: Delegate) -> str:
    """The same link as the chat's code (bot/screens/tickets.py): the delegate's current, signed token."""
    token = tickets.issue(secret, delegate.event_id, delegate.id, delegate.ticket_version)
    return f"https://t.me/{username}?start={token}"


def badge_cards(delegates: list[Delegate], conference: Event, lang: str, username: str, secret: str) -> list[Card]:
    cards = []
    for d in delegates:
        province, category = conference.province(d.province), conference.category(d.category)
        cards.append(Card(
            d.full_name, d.position, conference.organization_in(d.organization, d.province, lang) or "",
            province.name.get(lang) if province else "", category.label.get(lang) if category else "",
            checkin_link(username, secret, d), tickets.checkin_number(d.id), conference.short_name.get(lang)))
    return cards


def sheet_labels(lang: str) -> Labels:
    w = words(lang)
    return Labels(w("sign_in_title"), (w("no_"), w("full_name"), w("position"), w("organization"), w("signature")),
                  w("nobody_registered"), w("page_of"))


def part_heading(conference: Event, part_code: str, lang: str) -> str:
    part = conference.part(part_code)
    start = part.starts_at.astimezone(conference.tz)
    return f"{part.title.get(lang)} — {day(start.date(), lang)}/{start.year}, {start:%H:%M}"


def sheets(delegates: list[Delegate], conference: Event, part_code: str, lang: str) -> list[Sheet]:
    """One sheet per province, in the event file's order, each with its delegates (already ordered)."""
    heading = (conference.short_name.get(lang), part_heading(conference, part_code, lang))
    result = []
    for province in conference.provinces:
        mine = [Signer(d.full_name, d.position, conference.organization_in(d.organization, d.province, lang) or "")
                for d in delegates if d.province == province.code]
        if mine:
            result.append(Sheet((*heading, province.name.get(lang)), tuple(mine)))
    return result


def introduction_lines(delegations: list[Delegation], conference: Event, lang: str) -> list[tuple[str, list[str]]]:
    """The MC's list: per province its heading and, numbered through the whole list, one line a delegate to
    read aloud: form of address, name, position, organization."""
    address = conference.introduction.address.get(lang)
    result, n = [], 0
    for delegation in delegations:
        province = conference.province(delegation.province)
        lines = []
        for d in delegation.delegates:
            n += 1
            organization = conference.organization_in(d.organization, d.province, lang) or ""
            said = ", ".join(x for x in (d.position, organization) if x)
            lines.append(f"{n}. {address} {d.full_name}" + (f" — {said}" if said else ""))
        result.append((province.name.get(lang) if province else delegation.province, lines))
    return result
