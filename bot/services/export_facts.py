"""What every export needs, loaded once: the event, the agenda as changed by the organizers, the
delegates in the secretariat's order, and the rules read off them (parts attended, nights stayed)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Event
from bot.services.agenda import AgendaPart, parts
from bot.services.export_sheets import word
from bot.services.lodging import stay_nights
from models import Delegate
from models.delegate import CONFIRMED


@dataclass
class Facts:
    """What every export needs: the event, the agenda as changed by the organizers, the language."""

    conference: Event
    parts: list[AgendaPart]
    lang: str

    def local(self, moment: datetime) -> datetime:
        # Excel cells have no zone: the event's local wall-clock time, which is what people read
        return moment.astimezone(self.conference.tz).replace(tzinfo=None)

    def day(self, part: AgendaPart) -> date:
        return part.starts_at.astimezone(self.conference.tz).date()

    def province(self, code: str) -> str:
        province = self.conference.province(code)
        return province.name.get(self.lang) if province else code

    def group(self, code: str) -> str:
        """A province sheet's or summary line's name; "" is the group of codes the file no longer has."""
        return self.province(code) if code else word("other", self.lang)

    def category(self, code: str) -> str:
        category = self.conference.category(code)
        return category.label.get(self.lang) if category else code

    def organization(self, delegate: Delegate) -> str | None:
        """A suggested organization in the secretariat's language; a typed one as typed."""
        return self.conference.organization_in(delegate.organization, delegate.province, self.lang)

    def travel_mode(self, code: str | None) -> str:
        mode = self.conference.travel_mode(code) if code else None
        return mode.label.get(self.lang) if mode else (code or "")

    def attended(self, delegate: Delegate) -> list[AgendaPart]:
        """The parts a delegate attends (a part the organizers added is attended by everyone)."""
        codes = set(delegate.part_codes)
        return [p for p in self.parts if p.attended_by(codes)]

    def part_header(self, part: AgendaPart) -> str:
        title = part.title.get(self.lang)
        if len(title) > 30:
            title = title[:29].rsplit(" ", 1)[0].rstrip(",;:-— ") + "…"
        cancelled = f" — {word('cancelled_part', self.lang)}" if part.cancelled else ""
        return f"{title} ({self.day(part):%d/%m}){cancelled}"

    def nights(self, delegate: Delegate) -> list[date]:
        """The nights a delegate needing lodging sleeps in the host's city: from the arrival date (or,
        if not given, the night before the first part attended) to the night before the departure date (or,
        if not given, before the last part attended: they leave after it). Cancelled parts do not keep anyone
        overnight (bot.services.lodging.stay_nights)."""
        return stay_nights(delegate, [self.day(p) for p in self.attended(delegate) if not p.cancelled])


async def load_facts(session: AsyncSession, conference: Event, lang: str) -> Facts:
    return Facts(conference, await parts(session, conference), lang)


async def load_delegates(session: AsyncSession, conference: Event, status: str = CONFIRMED) -> list[Delegate]:
    """Delegates in the event file's province order, then in the order they registered."""
    order = {p.code: i for i, p in enumerate(conference.provinces)}
    rows = await session.scalars(select(Delegate).where(Delegate.event_id == conference.id,
                                                        Delegate.status == status).order_by(Delegate.id))
    return sorted(rows, key=lambda d: order.get(d.province, len(order)))


def by_province(conference: Event, delegates: list[Delegate]) -> dict[str, list[Delegate]]:
    """Every province of the event file (empty ones too: who has not registered yet shows), then
    under "other" any code the event file no longer has, so no delegate is ever left out."""
    groups: dict[str, list[Delegate]] = {p.code: [] for p in conference.provinces}
    for delegate in delegates:
        groups.setdefault(delegate.province if delegate.province in groups else "", []).append(delegate)
    return groups


def group_of(groups: dict[str, list[Delegate]], delegate: Delegate) -> str:
    return delegate.province if delegate.province in groups else ""
