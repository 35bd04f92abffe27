"""Meals: how many people eat each meal of the event file, and how many of them with each diet.

Who eats a meal: the delegates attending one of its parts, and (by its `lodgers`) those who slept in the city
the night before it or sleep there the night of its day; each brings their companions (a driver, an
assistant), who eat as they do and have no diet recorded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.event import Event, Meal
from models import Delegate


@dataclass
class HeadCount:
    meal: Meal
    delegates: int = 0
    companions: int = 0
    diets: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.delegates + self.companions


def eats(meal: Meal, conference: Event, delegate: Delegate, nights: list, attended: set[str]) -> bool:
    """Whether the delegate eats this meal, given the nights they stay and the parts they attend."""
    if attended & set(meal.parts):
        return True
    day = meal.at.astimezone(conference.tz).date()
    night = {"night_before": day - timedelta(days=1), "night_of": day}.get(meal.lodgers or "")
    return night is not None and night in nights


def head_counts(conference: Event, delegates: list[Delegate], nights_of, attended_of) -> list[HeadCount]:
    """Per meal of the event file, in its order: delegates, companions, and the count of each diet.
    `nights_of(d)` and `attended_of(d)` give a delegate's nights and the codes of the parts they attend."""
    counts = []
    for meal in conference.meals:
        count = HeadCount(meal, diets={d.code: 0 for d in conference.diets})
        for d in delegates:
            if not eats(meal, conference, d, nights_of(d), attended_of(d)):
                continue
            count.delegates += 1
            count.companions += len(d.companion_list)
            for code in d.diet_codes:
                if code in count.diets:
                    count.diets[code] += 1
        counts.append(count)
    return counts
