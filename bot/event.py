"""The conference as data: the event file, validated at start.

A broken file must stop the bot with a message that names the field, so organizers can fix
it without reading a traceback.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (AliasChoices, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator,
                      model_validator)

from bot.text import fold

LANGUAGES = ("vi", "en")


class EventFileError(Exception):
    """The event file cannot be used; the message says which field and why."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A text in both languages of the bot."""

    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


class Venue(_Model):
    name: Text
    address: Text
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    provisional: bool = False
    directions: Text | None = None  # "how to get there", in reminders


Words = tuple[str, ...]  # what people type for a choice besides its label ("ô tô", "xe" for road); see _check_words


class Part(_Model):
    """A part of the conference a delegate can attend."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    title: Text
    words: Words = ()
    starts_at: datetime
    ends_at: datetime | None = None
    place: Text | None = None
    programme: tuple[Text, ...] = ()

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _needs_offset(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("needs a UTC offset, e.g. 2023-07-28T08:00:00+07:00")
        return value

    @model_validator(mode="after")
    def _ends_after_start(self) -> Part:
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class Reminder(_Model):
    """One reminder offset: either at a local time the day before, or minutes before the start."""

    day_before_at: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    minutes_before: int | None = Field(default=None, gt=0, le=7 * 24 * 60)

    @model_validator(mode="after")
    def _exactly_one(self) -> Reminder:
        if (self.day_before_at is None) == (self.minutes_before is None):
            raise ValueError("give exactly one of day_before_at or minutes_before")
        return self


class ReportReminder(_Model):
    """When a province still missing its report is reminded: days or hours before the report is due."""

    days_before: int | None = Field(default=None, ge=0, le=60)
    hours_before: int | None = Field(default=None, gt=0, le=24 * 60)

    @model_validator(mode="after")
    def _exactly_one(self) -> ReportReminder:
        if (self.days_before is None) == (self.hours_before is None):
            raise ValueError("give exactly one of days_before or hours_before")
        return self

    @property
    def key(self) -> str:
        return f"days_before={self.days_before}" if self.days_before is not None else f"hours_before={self.hours_before}"

    def due_at(self, deadline: datetime) -> datetime:
        return deadline - (timedelta(days=self.days_before) if self.days_before is not None
                           else timedelta(hours=self.hours_before))


class ProvinceReports(_Model):
    """The six-month reports the member provinces send to the cluster head before the conference (plan III.3)."""

    due: datetime  # with its UTC offset
    provinces: tuple[str, ...] = Field(min_length=1)  # who must send one (province codes)
    max_size_mb: int = Field(default=10, ge=1, le=20)  # Telegram lets a bot download 20 MB
    reminders: tuple[ReportReminder, ...] = ()

    @field_validator("due")
    @classmethod
    def _needs_offset(cls, value: datetime) -> datetime:
        if value.utcoffset() is None:
            raise ValueError("needs a UTC offset, e.g. 2023-07-20T17:00:00+07:00")
        return value


class TravelMode(_Model):
    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    label: Text
    words: Words = ()


class Category(_Model):
    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    group: str
    label: Text  # short, fits a button
    name: Text  # as the plan words it
    organization: Text | None = None  # default organization; "{province}" is filled in
    words: Words = ()


class Province(_Model):
    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    name: Text
    role: Text | None = None
    categories: tuple[str, ...] = Field(min_length=1)
    words: Words = ()


class Badge(_Model):
    """The printed badge card's size (thẻ đại biểu), in millimetres; A4 sheets hold as many as fit."""

    width_mm: float = Field(default=86, ge=50, le=190)
    height_mm: float = Field(default=54, ge=40, le=140)


class Introduction(_Model):
    """The MC's list (giới thiệu đại biểu) at the opening of `part`, in protocol order: the provinces in the
    order given (the rest after them, in the file's order), within each the categories by rank; categories
    not ranked are not introduced."""

    part: str
    address: Text  # the form of address read before each name ("Đồng chí")
    provinces: tuple[str, ...] = ()
    ranks: tuple[str, ...] = Field(min_length=1)
Code = str  # a vehicle's or a trip's code in the event file


class Vehicle(_Model):
    """A vehicle the host provides, with the seats it has for delegates (the driver's not counted)."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    label: Text
    seats: int = Field(gt=0, le=100)


class Pickups(_Model):
    """Arrivals by `travel_mode` are met at `place`: those landing within `window_minutes` of the first of them
    share a run, which leaves when the last of them has landed; a vehicle is back for another run
    `round_trip_minutes` after it left."""

    travel_mode: str
    place: Text
    meeting_point: Text
    window_minutes: int = Field(default=60, gt=0, le=24 * 60)
    round_trip_minutes: int = Field(default=150, ge=0, le=24 * 60)
    vehicles: tuple[Code, ...] = Field(min_length=1)


class Trip(_Model):
    """A ride everyone attending a part takes together (the field visit): when and where they meet."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    part: str
    title: Text
    departs_at: datetime
    meeting_point: Text
    vehicles: tuple[Code, ...] = Field(min_length=1)

    @field_validator("departs_at")
    @classmethod
    def _needs_offset(cls, value: datetime) -> datetime:
        if value.utcoffset() is None:
            raise ValueError("needs a UTC offset, e.g. 2023-07-27T13:15:00+07:00")
        return value


class Transport(_Model):
    vehicles: tuple[Vehicle, ...] = Field(min_length=1)
    pickups: Pickups | None = None
    trips: tuple[Trip, ...] = ()
    provisional: bool = False

    def vehicle(self, code: str) -> Vehicle | None:
        return next((v for v in self.vehicles if v.code == code), None)

    def trip(self, code: str) -> Trip | None:
        return next((t for t in self.trips if t.code == code), None)
class Diet(_Model):
    """A dietary need a delegate may tick (vegetarian, no pork, an allergy…); counted per meal."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    label: Text
    words: Words = ()


class RoomType(_Model):
    """A block of rooms of one kind in a hotel: `rooms` of them every night of the hotel's `nights`."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,16}$")
    label: Text
    beds: int = Field(ge=1, le=6)
    rooms: int = Field(ge=0, le=2000)


class Hotel(_Model):
    """A hotel the host holds rooms in, for the nights it lists."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    name: Text
    address: Text
    phone: str | None = None
    nights: tuple[date, ...] = Field(min_length=1)
    room_types: tuple[RoomType, ...] = Field(min_length=1)
    provisional: bool = False

    def room_type(self, code: str) -> RoomType | None:
        return next((r for r in self.room_types if r.code == code), None)


class Meal(_Model):
    """A meal the host serves. Who eats it: those attending one of `parts`, and (`lodgers`) those who slept
    in the city the night before it (`night_before`, a breakfast) or sleep there the night of its day
    (`night_of`, a dinner)."""

    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    label: Text
    at: datetime
    parts: tuple[str, ...] = ()
    lodgers: str | None = Field(default=None, pattern=r"^(night_before|night_of)$")

    @field_validator("at")
    @classmethod
    def _needs_offset(cls, value: datetime) -> datetime:
        if value.utcoffset() is None:
            raise ValueError("needs a UTC offset, e.g. 2023-07-27T11:30:00+07:00")
        return value

    @model_validator(mode="after")
    def _someone_eats(self) -> Meal:
        if not self.parts and self.lodgers is None:
            raise ValueError("say who eats it: parts, lodgers, or both")
        return self


class Event(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    # the event's own language: what the bot fills in for a person (a suggested organization) is stored in it,
    # so the secretariat's roster reads one language whatever language each registrant chose
    language: str = Field(default="vi", pattern=r"^(vi|en)$")
    timezone: str
    name: Text
    short_name: Text
    organizer: Text
    city: Text  # where delegates travel to
    host: Text  # the host province, which arranges lodging
    hand_over: Text  # what reception gives a delegate at check-in
    venue: Venue
    # the file's key is `parts`; `sessions`, its old name, is still read so existing event files keep working
    parts: tuple[Part, ...] = Field(min_length=1, validation_alias=AliasChoices("parts", "sessions"))
    reminders: tuple[Reminder, ...] = ()
    travel_modes: tuple[TravelMode, ...] = Field(min_length=1)
    categories: tuple[Category, ...] = Field(min_length=1)
    provinces: tuple[Province, ...] = Field(min_length=1)
    province_reports: ProvinceReports | None = None
    badge: Badge = Badge()
    introduction: Introduction | None = None
    transport: Transport | None = None  # vehicles, airport pick-ups and trips; none: no transport arranged
    diets: tuple[Diet, ...] = ()
    hotels: tuple[Hotel, ...] = ()
    meals: tuple[Meal, ...] = ()

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, e.g. Asia/Ho_Chi_Minh") from None
        return value

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> Event:
        parts_key = (info.context or {}).get("parts_key", "parts")  # as the file names them
        for field, items in ((parts_key, self.parts), ("categories", self.categories),
                             ("provinces", self.provinces), ("travel_modes", self.travel_modes),
                             ("diets", self.diets), ("hotels", self.hotels), ("meals", self.meals)):
            seen: set[str] = set()
            for item in items:
                if item.code in seen:
                    raise ValueError(f"{field}: code {item.code!r} appears twice")
                seen.add(item.code)
            _check_words(field, items)
        known = {c.code for c in self.categories}
        for i, province in enumerate(self.provinces):
            for code in province.categories:
                if code not in known:
                    raise ValueError(f"provinces.{i}.categories: unknown category {code!r}")
        for i, code in enumerate(self.province_reports.provinces if self.province_reports else ()):
            if self.province(code) is None:
                raise ValueError(f"province_reports.provinces.{i}: unknown province {code!r}")
        _check_introduction(self, parts_key)
        if self.transport is not None:
            _check_transport(self.transport, {p.code for p in self.parts}, {t.code for t in self.travel_modes})
        self._check_logistics(parts_key)
        return self

    def _check_logistics(self, parts_key: str) -> None:
        for i, hotel in enumerate(self.hotels):
            if len({r.code for r in hotel.room_types}) != len(hotel.room_types):
                raise ValueError(f"hotels.{i}.room_types: a code appears twice")
        known = {p.code for p in self.parts}
        for i, meal in enumerate(self.meals):
            for code in meal.parts:
                if code not in known:
                    raise ValueError(f"meals.{i}.parts: unknown part {code!r} (see {parts_key})")

    # lookups used everywhere; the tuples keep the file's order for menus
    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def province(self, code: str) -> Province | None:
        return next((p for p in self.provinces if p.code == code), None)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def part(self, code: str) -> Part | None:
        return next((s for s in self.parts if s.code == code), None)

    def travel_mode(self, code: str) -> TravelMode | None:
        return next((t for t in self.travel_modes if t.code == code), None)

    def hotel(self, code: str) -> Hotel | None:
        return next((h for h in self.hotels if h.code == code), None)

    def diet(self, code: str) -> Diet | None:
        return next((d for d in self.diets if d.code == code), None)

    def departure_days(self) -> list[date]:
        """The days a delegate may leave: the first part's day to the day after the last one."""
        days = self.arrival_days()
        return days[1:] + [days[-1] + timedelta(days=1)]

    def categories_for(self, province_code: str) -> list[Category]:
        province = self.province(province_code)
        return [self.category(code) for code in province.categories] if province else []

    def default_organization(self, category_code: str, province_code: str, lang: str) -> str | None:
        category, province = self.category(category_code), self.province(province_code)
        if category is None or category.organization is None or province is None:
            return None
        return category.organization.get(lang).replace("{province}", province.name.get(lang))

    def organization_in(self, value: str | None, province_code: str, lang: str) -> str | None:
        """An organization as `lang` reads it: a suggested one (whichever language it was stored in) translated,
        anything typed as it was typed."""
        province = self.province(province_code)
        if not value or province is None:
            return value
        for category in self.categories:
            if category.organization is None:
                continue
            for stored in LANGUAGES:
                if value == category.organization.get(stored).replace("{province}", province.name.get(stored)):
                    return category.organization.get(lang).replace("{province}", province.name.get(lang))
        return value

    def arrival_days(self) -> list[date]:
        """The days a delegate may arrive: the day before the first part to the last one."""
        first = min(s.starts_at for s in self.parts).astimezone(self.tz).date()
        last = max(s.starts_at for s in self.parts).astimezone(self.tz).date()
        return [first - timedelta(days=1) + timedelta(days=n) for n in range((last - first).days + 2)]


def _check_words(field: str, items: tuple) -> None:
    """A choice's `words` are typed answers: each must have letters (a number is the menu's), and no word
    may name two choices of the same list, or it would name neither."""
    owner: dict[str, str] = {}
    for i, item in enumerate(items):
        for word in getattr(item, "words", ()):
            folded = fold(word)
            if not folded or folded.replace(" ", "").isdigit():
                raise ValueError(f"{field}.{i}.words: {word!r} is not a word (letters needed; numbers are the menu's)")
            if owner.get(folded, item.code) != item.code:
                raise ValueError(f"{field}.{i}.words: {word!r} also names {owner[folded]!r}")
            owner[folded] = item.code


def _check_introduction(event: Event, parts_key: str) -> None:
    found = event.introduction
    if found is None:
        return
    if found.part not in {p.code for p in event.parts}:
        raise ValueError(f"introduction.part: unknown part {found.part!r} (one of the {parts_key})")
    for field, known in (("provinces", {p.code for p in event.provinces}),
                         ("ranks", {c.code for c in event.categories})):
        for i, code in enumerate(getattr(found, field)):
            if code not in known:
                raise ValueError(f"introduction.{field}.{i}: unknown {field[:-1].replace('rank', 'category')} {code!r}")
def _check_transport(transport: Transport, parts: set[str], travel_modes: set[str]) -> None:
    """Every vehicle named exists, once; a trip's part and the pick-ups' travel mode are the file's."""
    seen: set[str] = set()
    for vehicle in transport.vehicles:
        if vehicle.code in seen:
            raise ValueError(f"transport.vehicles: code {vehicle.code!r} appears twice")
        seen.add(vehicle.code)
    uses = [("transport.pickups", transport.pickups.vehicles)] if transport.pickups else []
    uses += [(f"transport.trips.{i}", trip.vehicles) for i, trip in enumerate(transport.trips)]
    for where, codes in uses:
        for code in codes:
            if code not in seen:
                raise ValueError(f"{where}.vehicles: unknown vehicle {code!r} (known: {', '.join(sorted(seen))})")
    if transport.pickups and transport.pickups.travel_mode not in travel_modes:
        raise ValueError(f"transport.pickups.travel_mode: unknown travel mode {transport.pickups.travel_mode!r}")
    codes: set[str] = {"pickup"}
    for i, trip in enumerate(transport.trips):
        if trip.part not in parts:
            raise ValueError(f"transport.trips.{i}.part: unknown part {trip.part!r}")
        if trip.code in codes:
            raise ValueError(f"transport.trips.{i}.code: {trip.code!r} is taken")
        codes.add(trip.code)


def describe(error: ValidationError, named: Callable[[list], list] = list) -> str:
    """One line per problem, naming the field (`named` may make a place clearer, e.g. add an entry's id)."""
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in named(list(item["loc"]))) or "(top level)"
        lines.append(f"  {where}: {item['msg']}")
    return "\n".join(lines)


def load_event(path: str | Path) -> Event:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EventFileError(f"Event file {path} not found (set EVENT_FILE).") from None
    except yaml.YAMLError as exc:
        raise EventFileError(f"Event file {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise EventFileError(f"Event file {path} must be a mapping of fields (id, name, parts, ...).")
    try:
        return Event.model_validate(raw, context={"parts_key": "sessions" if "sessions" in raw else "parts"})
    except ValidationError as exc:
        raise EventFileError(f"Event file {path} has errors:\n{describe(exc)}") from None
