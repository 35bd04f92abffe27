"""Which handlers an update can reach, known before any filter runs.

aiogram hands an update to each router in turn, and each router tries its handlers in order, every filter of
every handler, until one handler's filters all pass; each try copies the update's whole data (some thirty
names) a few times. A typed registration answer went through fourteen routers and dozens of handlers so, and
a button press unpacked its callback data (a pydantic model) once for each button handler before its own.

Most handlers are bound to something plain in the update: a command, a conversation state, a button's
callback data (its prefix, and a field's value when the rule names it: `Pick.filter(F.step == "lang")`).
Each filter of those kinds says what an update needs to pass it (`need_of`); a handler needs what each of its
filters needs (`Need`). A `Feature` router tries only the handlers whose needs the update meets, in their
order, through all their filters as before, and is passed over at once when it has none: the same handler
takes every update, the others are not tried. A filter of any other kind (a magic filter on the text, a
role) needs nothing here, so its handler is always tried, as before.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED, SkipHandler
from aiogram.dispatcher.event.handler import CallbackType, HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject
from magic_filter import MagicFilter
from magic_filter.operations import CombinationOperation, ComparatorOperation, FunctionOperation
from magic_filter.operations.getattr import GetAttributeOperation
from magic_filter.util import and_op, in_op

ANY = None  # a need left open: any update meets it
KINDS = ("message", "callback_query")


@dataclass(frozen=True)
class Need:
    """What an update must have for a handler's filters to pass; ANY where nothing is known."""

    commands: frozenset[str] | None = ANY  # a command (casefolded name) of these
    prefixes: str = "/"  # the commands' prefix characters
    states: frozenset[str | None] | None = ANY  # the conversation in one of these states
    button: tuple[str, str, int] | None = ANY  # callback data: (separator, prefix, number of parts)
    fields: tuple[tuple[int, frozenset[str]], ...] = ()  # callback data: (part, its values) the rule asks for

    def met(self, event: TelegramObject, raw_state: str | None) -> bool:
        if self.states is not None and raw_state not in self.states:
            return False
        if self.commands is not None:
            command = _command(event, self.prefixes)
            if command is None or command[1] not in self.commands:
                return False
        if self.button is not None:
            separator, prefix, count = self.button
            data = event.data if isinstance(event, CallbackQuery) else None
            if not data:
                return False
            parts = data.split(separator)
            if parts[0] != prefix or len(parts) != count:
                return False
            # an empty part may unpack to the field's default, whatever the rule says of it: tried
            return all(parts[i] in values or not parts[i] for i, values in self.fields)
        return True

    def __and__(self, other: Need) -> Need:
        """Both needs (a handler's filters all pass); of two commands or two buttons, the first's is enough."""
        commands, states, button = (self.commands, self.prefixes), self.states, (self.button, self.fields)
        if self.commands is None:
            commands = (other.commands, other.prefixes)
        if other.states is not None:
            states = other.states if states is None else states & other.states
        if self.button is None:
            button = (other.button, other.fields)
        return Need(*commands, states, *button)


def _command(event: TelegramObject, prefixes: str) -> tuple[str, str] | None:
    """The prefix and the casefolded name of the command the message begins with (as aiogram's Command reads
    it), or None."""
    if not isinstance(event, Message):
        return None
    text = event.text or event.caption
    words = text.split(maxsplit=1) if text else ()
    if not words or words[0][0] not in prefixes:
        return None
    return words[0][0], words[0][1:].partition("@")[0].casefold()


def need_of(callback: CallbackType) -> Need:
    """What an update needs to pass this filter; Need() when its kind says nothing."""
    if isinstance(callback, Command):
        if all(isinstance(c, str) for c in callback.commands):
            return Need(commands=frozenset(c.casefold() for c in callback.commands), prefixes=callback.prefix)
        return Need()
    if isinstance(callback, StateFilter):
        states = [_states(s) for s in callback.states]
        return Need() if ANY in states else Need(states=frozenset().union(*states))
    if isinstance(callback, State):
        return Need(states=_states(callback))
    if isinstance(callback, CallbackQueryFilter):
        data = callback.callback_data
        return Need(button=(data.__separator__, data.__prefix__, len(data.model_fields) + 1),
                    fields=_asked(callback.rule, data))
    return Need()


def _states(state: Any) -> frozenset[str | None] | None:
    """The raw states a StateFilter's item lets through (ANY for "*" or what it does not know)."""
    if state is None:
        return frozenset({None})
    if isinstance(state, str):
        return ANY if state == "*" else frozenset({state})
    if isinstance(state, State):
        return ANY if state.state == "*" else frozenset({state.state})
    if isinstance(state, type) and issubclass(state, StatesGroup):
        return frozenset(state.__all_states_names__)
    return ANY


def _as_sent(data: type[CallbackData], name: str) -> bool:
    """The field unpacks to its text on the wire (a str, or the str enum's member of that value; no validator
    changes it), so what a rule compares it with can be compared with the text itself."""
    decorators, kind = data.__pydantic_decorators__, data.model_fields[name].annotation
    return (not decorators.field_validators and not decorators.model_validators
            and isinstance(kind, type) and issubclass(kind, str))


def _asked(rule: MagicFilter | None, data: type[CallbackData]) -> tuple[tuple[int, frozenset[str]], ...]:
    """From a rule `F.field == value`, `F.field.in_(values)`, or either `& ...`: (that field's part, the
    values as they are on the wire). Any other rule asks nothing known here."""
    operations = rule._operations if isinstance(rule, MagicFilter) else ()
    if len(operations) < 2 or not isinstance(operations[0], GetAttributeOperation):
        return ()
    names, name, test = list(data.model_fields), operations[0].name, operations[1]
    if name not in names or not _as_sent(data, name) or not all(isinstance(o, CombinationOperation) and o.combinator is and_op
                                    for o in operations[2:]):
        return ()
    if isinstance(test, ComparatorOperation) and test.comparator is operator.eq:
        values = [test.right]
    elif isinstance(test, FunctionOperation) and test.function is in_op and len(test.args) == 1 and not test.kwargs \
            and isinstance(test.args[0], (set, frozenset, list, tuple)):
        values = list(test.args[0])
    else:
        return ()
    wire = [v.value if isinstance(v, Enum) else v for v in values]
    if not all(type(v) is str for v in wire):
        return ()
    return ((names.index(name) + 1, frozenset(wire)),)


OTHER = object()  # a command, state or button value no handler's needs name


@dataclass(frozen=True)
class _Named:
    """Every command, state and button value some need of an observer's handlers names."""

    prefixes: str
    commands: frozenset[str]
    states: frozenset[str | None]
    buttons: dict[str, tuple[frozenset[str], dict[int, frozenset[str]]]]  # separator: (prefixes, part: values)

    @classmethod
    def of(cls, needs: list[Need]) -> _Named:
        prefixes, commands, states, buttons = set(), set(), set(), {}
        for need in needs:
            if need.commands is not None:
                prefixes |= set(need.prefixes)
                commands |= need.commands
            states |= need.states or set()
            if need.button is not None:
                known, fields = buttons.setdefault(need.button[0], (set(), {}))
                known.add(need.button[1])
                for part, values in need.fields:
                    fields[part] = fields.get(part, frozenset()) | values
        return cls("".join(sorted(prefixes)), frozenset(commands), frozenset(states),
                   {sep: (frozenset(known), fields) for sep, (known, fields) in buttons.items()})


def _button_sign(data: str | None, separator: str, prefixes: frozenset[str],
                 fields: dict[int, frozenset[str]]) -> tuple | None:
    parts = data.split(separator) if data else ()
    if not parts or parts[0] not in prefixes:
        return None
    return parts[0], len(parts), *(None if i >= len(parts) else parts[i] if parts[i] in values or not parts[i]
                                   else OTHER for i, values in fields.items())


class Handlers(TelegramEventObserver):
    """aiogram's observer of one kind of update, trying only the handlers an update can reach.

    Which those are depends only on the few things the needs look at (`sign`): the command, the state, the
    button's data, each kept as it is when some need names it, else as OTHER. So it is worked out once for
    each sign (`routes`), and a later update of the same sign only looks it up."""

    def __init__(self, router: Router, event_name: str) -> None:
        super().__init__(router=router, event_name=event_name)
        self.needs: list[Need] = []
        self.named = _Named.of(self.needs)
        self.routes: dict[tuple, list[HandlerObject]] = {}

    def register(self, callback: CallbackType, *filters: CallbackType, flags: dict[str, Any] | None = None,
                 **kwargs: Any) -> CallbackType:
        super().register(callback, *filters, flags=flags, **kwargs)
        need = Need()
        for each in filters:
            need &= need_of(each)
        self.needs.append(need)
        self.named = _Named.of(self.needs)
        self.routes.clear()
        return callback

    def reachable(self, event: TelegramObject, raw_state: str | None) -> list[HandlerObject]:
        sign = self.sign(event, raw_state)
        route = self.routes.get(sign)
        if route is None:
            route = self.routes[sign] = [h for h, need in zip(self.handlers, self.needs) if need.met(event, raw_state)]
        return route

    def sign(self, event: TelegramObject, raw_state: str | None) -> tuple:
        """What the needs of this observer's handlers see of the update (see the class's doc)."""
        named = self.named
        state = raw_state if raw_state in named.states else OTHER
        if isinstance(event, CallbackQuery):
            return state, *(_button_sign(event.data, separator, prefixes, fields)
                            for separator, (prefixes, fields) in named.buttons.items())
        command = _command(event, named.prefixes) if named.prefixes else None
        if command is not None:
            prefix, name = command
            return state, (prefix, name if name in named.commands else OTHER)
        return state, None

    async def trigger(self, event: TelegramObject, **kwargs: Any) -> Any:
        """aiogram's TelegramEventObserver.trigger over the reachable handlers."""
        for handler in self.reachable(event, kwargs.get("raw_state")):
            kwargs["handler"] = handler
            result, data = await handler.check(event, **kwargs)
            if result:
                kwargs.update(data)
                try:
                    wrapped_inner = self.outer_middleware.wrap_middlewares(self._resolve_middlewares(), handler.call)
                    return await wrapped_inner(event, kwargs)
                except SkipHandler:
                    continue
        return UNHANDLED


class Feature(Router):
    """A feature's router (handlers/): its messages and button presses go only to the handlers that can take
    them, and past the whole router when none can."""

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        for kind in KINDS:
            observer = Handlers(router=self, event_name=kind)
            setattr(self, kind, observer)
            self.observers[kind] = observer

    def cannot_take(self, update_type: str, event: TelegramObject, raw_state: str | None) -> bool:
        """No handler here can take the update (and nothing else here could): aiogram would come to UNHANDLED
        after trying every handler."""
        observer = self.observers.get(update_type)
        return (isinstance(observer, Handlers) and not self.sub_routers and not observer.outer_middleware
                and not observer.reachable(event, raw_state))

    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        if self.cannot_take(update_type, event, kwargs.get("raw_state")):
            return UNHANDLED
        return await super().propagate_event(update_type, event, **kwargs)


class Features(Router):
    """The features' routers (handlers/), tried in their order as aiogram tries a router's sub-routers, but a
    feature that cannot take the update is passed over before aiogram's call into it: that call copies the
    update's data (some thirty-five names) twice, for each of the fourteen routers (3.7 % of an update's CPU)."""

    async def _propagate_event(self, observer: TelegramEventObserver | None, update_type: str,
                               event: TelegramObject, **kwargs: Any) -> Any:
        if observer is not None and (observer.handlers or observer._handler.filters):  # nothing of its own, as built
            return await super()._propagate_event(observer, update_type, event, **kwargs)
        raw_state = kwargs.get("raw_state")
        for router in self.sub_routers:
            if isinstance(router, Feature) and router.cannot_take(update_type, event, raw_state):
                continue
            response = await router.propagate_event(update_type=update_type, event=event, **kwargs)
            if response is not UNHANDLED:
                return response
        return UNHANDLED
