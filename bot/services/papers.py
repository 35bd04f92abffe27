"""What the secretariat prints: whose badges (all, a province, a category, one person), who signs a part's
sign-in sheet (danh sách ký), and who the MC introduces at the opening, in protocol order. The rules only:
the drawing is bot/screens/papers.py."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services import tickets
from bot.text import fold
from models import CheckIn, Delegate, DelegatePart
from models.delegate import CONFIRMED

ALL, PROVINCE, CATEGORY, DELEGATE = "all", "province", "category", "delegate"
ALL_WORDS = ("all", "tat ca", "het", "toan bo")


@dataclass(frozen=True)
class Scope:
    """Whose badges: everyone, a province's or a category's delegates (code), or one delegate (id)."""
    kind: str
    code: str = ""


def _named(items, typed: str):
    """The province or category whose code, name, label or one of its words is what was typed."""
    for item in items:
        texts = [getattr(item, attr, None) for attr in ("name", "label")]
        names = [item.code, *item.words, *(v for t in texts if t for v in (t.vi, t.en))]
        if any(fold(n) == typed for n in names):
            return item
    return None


def scope_from(conference: Event, text: str) -> Scope | None:
    """The scope an organizer typed after /badges: nothing or "all", a province, a category, or a delegate's
    check-in number ("427-3"); None when it names nothing."""
    typed = fold(text)
    if not typed or typed in ALL_WORDS:
        return Scope(ALL)
    number = tickets.read_checkin_number(text)
    if number is not None:
        return Scope(DELEGATE, str(number))
    if (province := _named(conference.provinces, typed)) is not None:
        return Scope(PROVINCE, province.code)
    if (category := _named(conference.categories, typed)) is not None:
        return Scope(CATEGORY, category.code)
    return None


def _order(conference: Event):
    provinces = {p.code: n for n, p in enumerate(conference.provinces)}
    categories = {c.code: n for n, c in enumerate(conference.categories)}
    return lambda d: (provinces.get(d.province, 99), categories.get(d.category, 99), fold(d.full_name), d.id)


async def badge_holders(session: AsyncSession, conference: Event, scope: Scope) -> list[Delegate]:
    """The confirmed delegates in the scope, by province, category and name (as the trays are laid out)."""
    query = select(Delegate).where(Delegate.event_id == conference.id, Delegate.status == CONFIRMED)
    if scope.kind == PROVINCE:
        query = query.where(Delegate.province == scope.code)
    elif scope.kind == CATEGORY:
        query = query.where(Delegate.category == scope.code)
    elif scope.kind == DELEGATE:
        query = query.where(Delegate.id == int(scope.code))
    return sorted(await session.scalars(query), key=_order(conference))


async def signers(session: AsyncSession, conference: Event, part_code: str, province: str | None = None
                  ) -> list[Delegate]:
    """Who signs the part's sheet: the confirmed delegates registered for it (of one province, or all)."""
    query = (select(Delegate).join(DelegatePart, DelegatePart.delegate_id == Delegate.id)
             .where(Delegate.event_id == conference.id, Delegate.status == CONFIRMED,
                    DelegatePart.part_code == part_code))
    if province:
        query = query.where(Delegate.province == province)
    return sorted(await session.scalars(query), key=_order(conference))


async def checked_in_ids(session: AsyncSession, part_code: str, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(await session.scalars(select(CheckIn.delegate_id).where(
        CheckIn.part_code == part_code, CheckIn.delegate_id.in_(ids))))


@dataclass
class Delegation:
    """One province's delegates the MC introduces, in rank order."""
    province: str
    delegates: list[Delegate]


def protocol_key(conference: Event):
    """Sorts delegates in protocol order: the introduction's provinces first (the rest after, in the file's
    order), then the category's rank, then the order they were registered in (a province's list is sent in
    its own order of precedence)."""
    intro = conference.introduction
    listed = list(intro.provinces) + [p.code for p in conference.provinces if p.code not in intro.provinces]
    provinces = {code: n for n, code in enumerate(listed)}
    ranks = {code: n for n, code in enumerate(intro.ranks)}
    return lambda d: (provinces.get(d.province, len(provinces)), ranks[d.category], d.id)


async def introduced(session: AsyncSession, conference: Event) -> list[Delegation]:
    """Those checked in for the opening part, in protocol order, grouped by province; none without an
    introduction in the event file."""
    intro = conference.introduction
    if intro is None:
        return []
    rows = await session.scalars(
        select(Delegate).join(CheckIn, CheckIn.delegate_id == Delegate.id)
        .where(Delegate.event_id == conference.id, Delegate.status == CONFIRMED, CheckIn.part_code == intro.part,
               Delegate.category.in_(intro.ranks)))
    result: list[Delegation] = []
    for delegate in sorted(rows, key=protocol_key(conference)):
        if not result or result[-1].province != delegate.province:
            result.append(Delegation(delegate.province, []))
        result[-1].delegates.append(delegate)
    return result
