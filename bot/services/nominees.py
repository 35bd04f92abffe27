"""Nominees: the people a province put on its list, imported from the spreadsheet it sent, each
given a personal link that opens a registration already filled in with the list's details.

An import is all or nothing: a list with errors imports nothing until it is fixed, unless the
organizer chooses to import only the valid rows. Every refusal names its row as Excel shows it.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.event import Category, Event, Province
from bot.services import fields
from bot.services.export_sheets import Column, add_table, csv_bytes, new_workbook, word, workbook_bytes
from bot.services.nominee_errors import RowError, describe
from bot.services.nominee_files import TableError, read_elsewhere, read_table
from bot.services.phone import display_phone, normalize_phone
from bot.services import registration as reg
from bot.services.registration import Draft
from bot.text import fold
from models import Account, Delegate, Nominee
from models.delegate import CONFIRMED

__all__ = ["PREFIX", "Entry", "ImportResult", "RowError", "TableError", "describe", "draft_from", "find",
           "attach", "import_rows", "link", "links_table", "pasted", "payload", "read_elsewhere", "read_table", "register",
           "validate"]

PREFIX = "n"  # of the /start payload: n<code>


@dataclass
class Entry:
    """A valid row: the values as they will be stored (codes, E.164 phone or "")."""

    row: int
    full_name: str
    position: str
    organization: str
    province: str
    category: str
    phone: str


@dataclass
class ImportResult:
    created: list[Nominee]
    errors: list[RowError]
    rows: int  # non-empty rows in the list
    refused: bool  # errors and not only_valid: nothing was imported


def find_province(conference: Event, raw: str) -> Province | None:
    """By code or name, diacritics optional: "Bình Định", "binh dinh", "binh_dinh", "Tỉnh Bình Định"."""
    wanted = fold(raw).removeprefix("tinh ")
    return next((p for p in conference.provinces
                 if wanted in (fold(p.code), fold(p.name.vi), fold(p.name.en))), None)


def find_category(conference: Event, raw: str) -> Category | None:
    """By code, short label or full name, in either language, diacritics optional."""
    wanted = fold(raw)
    return next((c for c in conference.categories
                 if wanted in (fold(c.code), fold(c.label.vi), fold(c.label.en), fold(c.name.vi), fold(c.name.en))),
                None)


def _check(conference: Event, row: dict) -> tuple[Entry | None, list[RowError]]:
    """One row on its own: the same text rules as a registration typed in the bot."""
    n, errors, texts = row["row"], [], {}
    for name in ("full_name", "position", "organization"):
        raw = row.get(name, "")
        if name != "full_name" and not raw:
            texts[name] = ""  # optional: the registration asks for it
            continue
        value = fields.text_field(name, raw)
        if isinstance(value, fields.Refusal):
            errors.append(RowError(n, name, value.reason, raw, dict(value.numbers)))
        texts[name] = value
    province = find_province(conference, row.get("province", ""))
    if province is None:
        errors.append(RowError(n, "province", "unknown_province" if row.get("province") else "empty",
                               row.get("province", "")))
    category = find_category(conference, row.get("category", ""))
    if category is None:
        errors.append(RowError(n, "category", "unknown_category" if row.get("category") else "empty",
                               row.get("category", "")))
    elif province and category not in conference.categories_for(province.code):
        errors.append(RowError(n, "category", "category_not_allowed", row["category"],
                               {"province": province.name.vi, "province_en": province.name.en}))
    phone = normalize_phone(row["phone"].lstrip("'")) if row.get("phone") else ""
    if phone is None:
        errors.append(RowError(n, "phone", "phone", row["phone"]))
    if errors:
        return None, errors
    return Entry(n, texts["full_name"], texts["position"], texts["organization"], province.code, category.code,
                 phone), []


def _same_person(entry: Entry) -> tuple[str, str]:
    return fold(entry.full_name), entry.province


def validate(conference: Event, rows: list[dict]) -> tuple[list[Entry], list[RowError]]:
    """Every row checked on its own, then against the rows above it: the same phone, or the same name
    in the same province, is the same person listed twice (the first is kept)."""
    entries, errors = [], []
    phones: dict[str, int] = {}
    people: dict[tuple[str, str], int] = {}
    for row in rows:
        entry, problems = _check(conference, row)
        errors += problems
        if entry is None:
            continue
        if entry.phone in phones:
            errors.append(RowError(entry.row, "phone", "duplicate_phone", display_phone(entry.phone),
                                   {"other": phones[entry.phone]}))
        elif _same_person(entry) in people:
            errors.append(RowError(entry.row, "full_name", "duplicate_name", entry.full_name,
                                   {"other": people[_same_person(entry)]}))
        else:
            entries.append(entry)
            phones.update({entry.phone: entry.row} if entry.phone else {})
            people[_same_person(entry)] = entry.row
    return entries, errors


async def _known(session: AsyncSession, conference: Event, entries: list[Entry]) -> list[RowError]:
    """Rows naming someone already registered (same phone) or already on an imported list."""
    registered = set(await session.scalars(select(Delegate.phone).where(
        Delegate.event_id == conference.id, Delegate.status == CONFIRMED,
        Delegate.phone.in_({e.phone for e in entries if e.phone}))))
    listed = (await session.execute(select(Nominee.phone, Nominee.full_name, Nominee.province)
                                    .where(Nominee.event_id == conference.id))).all()
    phones, people = {r.phone for r in listed if r.phone}, {(fold(r.full_name), r.province) for r in listed}
    errors = []
    for entry in entries:
        if entry.phone in registered:
            errors.append(RowError(entry.row, "phone", "already_registered", display_phone(entry.phone)))
        elif entry.phone in phones or _same_person(entry) in people:
            errors.append(RowError(entry.row, "full_name", "already_nominated", entry.full_name))
    return errors


async def import_rows(session: AsyncSession, conference: Event, rows: list[dict], by_account_id: int | None,
                      source: str, *, only_valid: bool) -> ImportResult:
    """Create the nominees of a list in one transaction; with errors, none unless `only_valid`."""
    entries, errors = validate(conference, rows)
    errors += await _known(session, conference, entries)
    if not rows:
        errors.append(RowError(0, "", "no_rows"))
    errors.sort(key=lambda e: e.row)
    if errors and not only_valid:
        return ImportResult([], errors, len(rows), refused=True)
    wrong = {e.row for e in errors}
    created = [Nominee(event_id=conference.id, code=secrets.token_urlsafe(12), full_name=e.full_name,
                       position=e.position, organization=e.organization, province=e.province, category=e.category,
                       phone=e.phone, source=f"{source}:{e.row}"[-256:], imported_by_id=by_account_id)
               for e in entries if e.row not in wrong]
    session.add_all(created)
    await session.commit()
    return ImportResult(created, errors, len(rows), refused=False)


def outside(conference: Event, rows: list[dict], provinces: set[str]) -> list[int]:
    """The rows of a list whose province is not one of `provinces` (a secretariat imports its own province's)."""
    return [row["row"] for row in rows
            if (province := find_province(conference, row.get("province", ""))) is None or province.code not in provinces]


def pasted(conference: Event, lines: list[str], province: str | None, category: str | None,
           ) -> tuple[list[Entry], list[RowError]]:
    """Colleagues pasted in the chat, one a line: "name, position, phone" (commas, semicolons or tabs; a position
    may hold commas of its own). Checked as a list's rows are, all of the given province and category."""
    rows = []
    for n, line in enumerate(lines, 1):
        parts = [part.strip() for part in re.split(r"[,;\t]", line)]
        phone = parts.pop() if len(parts) > 1 and re.search(r"\d{3}", parts[-1]) else ""
        rows.append({"row": n, "full_name": parts[0], "position": ", ".join(p for p in parts[1:] if p),
                     "organization": "", "province": province or "", "category": category or "", "phone": phone})
    entries, errors = validate(conference, rows)
    for entry in entries:
        for name in ("position", "phone"):
            if not getattr(entry, name):
                errors.append(RowError(entry.row, name, "empty", ""))
    errors.sort(key=lambda e: e.row)
    return entries, errors


def payload(nominee: Nominee) -> str:
    """The /start payload of the personal link: "n" + 16 characters of A-Za-z0-9_- (Telegram allows 64)."""
    return PREFIX + nominee.code


def link(nominee: Nominee, bot_username: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload(nominee)}"


async def find(session: AsyncSession, conference: Event, code: str) -> Nominee | None:
    """The nominee of a personal link's code (the payload without its "n")."""
    return await session.scalar(select(Nominee).where(Nominee.event_id == conference.id, Nominee.code == code))


async def register(session: AsyncSession, conference: Event, code: str, draft: Draft, *, registrant: Account,
                   for_self: bool = True, confirmation: str | None = None) -> Delegate | None:
    """The registration confirmed from a personal link, stored only while the link is unused: the record and
    the link's use are one transaction, the use a conditional UPDATE that only one caller can win (on SQLite,
    which has no row locks, as on PostgreSQL). None, and nothing stored, for whoever comes second (or when the
    review's `confirmation` was taken already)."""
    return await reg.register(session, conference, draft, registrant=registrant, for_self=for_self,
                              confirmation=confirmation, condition=lambda stored: _use(session, conference, code,
                                                                                      stored))


async def attach(session: AsyncSession, conference: Event, code: str, delegate: Delegate) -> None:
    """A registration stored earlier (confirmed twice) gets the link too, if it is still unused."""
    await _use(session, conference, code, delegate)
    await session.commit()


async def _use(session: AsyncSession, conference: Event, code: str, delegate: Delegate) -> bool:
    """The link is used up by `delegate`, the list knows who registered; False if it was used already."""
    used = await session.execute(update(Nominee).where(
        Nominee.event_id == conference.id, Nominee.code == code, Nominee.delegate_id.is_(None),
    ).values(delegate_id=delegate.id).execution_options(synchronize_session=False))
    return used.rowcount == 1


def draft_from(nominee: Nominee) -> Draft:
    """A registration draft filled in from the list; what the list left empty is asked as usual."""
    return Draft(province=nominee.province, category=nominee.category, full_name=nominee.full_name,
                 position=nominee.position or None, organization=nominee.organization or None,
                 phone=nominee.phone or None)


def _name(item: Province | Category | None, code: str, lang: str) -> str:
    if isinstance(item, Category):
        return item.label.get(lang)
    return item.name.get(lang) if item else code


async def links_table(nominees: list[Nominee], bot_username: str, *, conference: Event | None = None,
                      lang: str = "vi", format: str = "csv") -> bytes:
    """The personal links, for the secretariat to send out: CSV (UTF-8 with BOM) or xlsx. With the
    conference, provinces and categories are shown by name rather than by code."""
    header = [Column(word(key, lang)) for key in ("no_", "full_name", "position", "province", "category", "phone",
                                                  "personal_link")]
    rows = [[n, x.full_name, x.position, _name(conference and conference.province(x.province), x.province, lang),
             _name(conference and conference.category(x.category), x.category, lang),
             display_phone(x.phone) if x.phone else "", link(x, bot_username)] for n, x in enumerate(nominees, 1)]
    if format == "csv":
        return csv_bytes(header, rows)
    workbook = new_workbook()
    add_table(workbook, header[-1].header, header, rows)
    return workbook_bytes(workbook)
