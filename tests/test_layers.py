"""The import graph keeps the layers of DESIGN.md: every arrow points down, and the feature modules of
handlers/ form no cycle. Read from the source (ast), imports inside functions included, so an import
tucked into a function to dodge a cycle counts like any other."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "models")

# Layers, lowest first. A module may import from a lower layer, or from its own unit (bot.web.desk from
# bot.web.auth); units of one layer never import each other: handlers, web pages, channels and workers
# share what they need through screens or services.
RANKS = {"models": 0, "services": 1, "screens": 2, "plumbing": 3,
         "handlers": 4, "web": 4, "channels": 4, "workers": 4, "app": 5}

# Each module belongs to the unit of its longest matching prefix here.
UNITS = {
    "models": "models",
    # rules, and what rules are made of (the event file, plain text, settings, languages)
    "bot.services": "services", "bot.event": "services", "bot.text": "services", "bot.config": "services",
    "bot.i18n": "services",
    # the ground the bot stands on that rules may use too: logs, health, conversations, processes beside the bot
    "bot.infra": "services", "bot.ops.backup": "services",
    # which chat ids are Zalo's: a fact about ids that commands and workers need, not the Zalo channel
    "bot.channels.zalo.ids": "services",
    # what the bot shows: texts, cards, callback data, menus that work typed, the list of commands
    "bot.screens": "screens", "bot.screens.ui": "screens", "bot.commands": "screens", "bot.screens.listing": "screens",
    # the dispatcher's and the one sender's machinery: built by the app, used by the channels
    "bot.infra.sender": "plumbing", "bot.infra.webhook": "plumbing", "bot.middlewares": "plumbing",
    "handlers": "handlers",
    "bot.web": "web",
    "bot.channels": "channels",
    "bot.workers": "workers",
    # the composition root and the command line
    "bot": "app", "bot.app": "app", "bot.__main__": "app", "bot.ops": "app",
}

# Arrows that break the rule on purpose: (importer, imported, why).
EXCEPTIONS = {
    ("bot.web", "bot.channels.zalo.web",
     "the one aiohttp server mounts the Zalo webhook and its QR pictures beside the pages"),
    ("bot.web", "bot.app", "a type hint (TYPE_CHECKING) for the app object the root hands to the pages"),
    ("bot.channels.zalo.web", "bot.app", "a type hint (TYPE_CHECKING) for the app object the root hands over"),
    ("handlers.web_login", "bot.web.auth",
     "/web makes a sign-in link with the pages' own sign-in rules; they belong in a service, not yet moved"),
}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(source: str, known: dict[str, Path]) -> set[str]:
    """Every module of ours this file imports, at any depth of its code (`from a import b` is a.b when
    a.b is a module)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                names.add(full if full in known else node.module)
    return {name for name in names if name.split(".")[0] in PACKAGES}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path.read_text(encoding="utf-8"), known) - {name} for name, path in known.items()}


def unit_of(module: str) -> str:
    prefixes = [p for p in UNITS if module == p or module.startswith(p + ".")]
    assert prefixes, f"{module} has no layer: add it to UNITS in tests/test_layers.py"
    return UNITS[max(prefixes, key=len)]


def up_arrows(edges: dict[str, set[str]]) -> list[str]:
    allowed = {(a, b) for a, b, _why in EXCEPTIONS}
    wrong = []
    for importer, imported in sorted((a, b) for a, targets in edges.items() for b in targets):
        low, high = unit_of(imported), unit_of(importer)
        if low != high and RANKS[low] >= RANKS[high] and (importer, imported) not in allowed:
            wrong.append(f"{importer} ({high}) imports {imported} ({low})")
    return wrong


def cycles(edges: dict[str, set[str]], within: str) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), among the modules under `within`."""
    nodes = sorted(n for n in edges if n.startswith(within + "."))
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in nodes:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in nodes:
        if node not in index:
            visit(node)
    return groups


def test_every_import_points_down_a_layer():
    assert up_arrows(graph()) == []


def test_the_feature_modules_of_handlers_form_no_cycle():
    assert cycles(graph(), "handlers") == []


def test_every_exception_is_still_needed():
    """An exception whose arrow has gone is removed, so the list says what is still true."""
    edges = graph()
    assert [(a, b) for a, b, _why in EXCEPTIONS if b not in edges.get(a, set())] == []


def test_the_checks_see_an_arrow_up_and_a_cycle():
    """The reading itself: an import inside a function counts, an arrow up and a cycle are reported."""
    edges = {"models.x": {"bot.services.y"}, "handlers.a": {"handlers.b"}, "handlers.b": {"handlers.a"},
             "handlers.c": {"bot.web.d"}, "bot.services.y": set(), "bot.web.d": set()}
    assert up_arrows(edges) == ["handlers.c (handlers) imports bot.web.d (web)",
                                "models.x (models) imports bot.services.y (services)"]
    assert cycles(edges, "handlers") == [["handlers.a", "handlers.b"]]
    known = modules()
    assert imports("def f():\n    from handlers import me\n    import bot.screens.ui\n", known) == {"handlers.me", "bot.screens.ui"}
