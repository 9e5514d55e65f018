"""Imports between apps run one way, and no two files of an app import each other.

Walks the syntax tree of every module of the apps (lazy imports inside functions included: a
cycle hidden in a function is still a cycle), so a forbidden import fails here before review.
The project package ``claimdesk`` (settings, permissions, the API's base classes) is the hub
every app uses; it is not an app and is not checked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Which apps each app may import. desk (staff pages) and publishing (API, webhooks, feed) sit on
# top; reviews is the review domain; claims and sources below it.
ALLOWED: dict[str, frozenset[str]] = {
    "sources": frozenset(),
    "claims": frozenset({"sources"}),
    "reviews": frozenset({"claims", "sources"}),
    "ingest": frozenset({"claims", "sources", "reviews"}),
    "factchecks": frozenset({"claims", "sources", "reviews"}),
    "publishing": frozenset({"claims", "sources", "reviews", "ingest", "factchecks"}),
    "desk": frozenset({"claims", "sources", "reviews", "ingest", "factchecks"}),
}

# Upward imports, by importing module and imported module. The list may only shrink: an entry
# that no longer occurs fails too. claims.analysis.pipeline reads its candidates' published
# ratings through reviews.selectors.published_rating_sql, inside its one candidate query (an
# opposite published verdict is a conflict); it is the one arrow from claims to reviews.
KNOWN_UPWARD: frozenset[tuple[str, str]] = frozenset(
    {
        ("claims.analysis.pipeline", "reviews.selectors"),
    }
)

# Apps whose files must not import each other in a circle.
ACYCLIC_APPS = ("sources", "claims", "reviews", "ingest", "factchecks", "publishing", "desk")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for app in ALLOWED:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> Iterator[str]:
    """Every module ``module`` imports, resolved to a module of the project where it is one
    (``from reviews import services`` is ``reviews.services``)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield submodule if submodule in MODULES else target


def _graph() -> dict[str, set[str]]:
    return {
        module: {t for t in _imports(module, path) if t in MODULES and t != module}
        for module, path in MODULES.items()
    }


def test_the_walk_sees_every_app_and_resolves_submodules() -> None:
    graph = _graph()
    assert {m.split(".")[0] for m in graph} == set(ALLOWED)
    assert "publishing.webhook_services" in graph["publishing.tasks"]
    assert "reviews.services" in graph["desk.views"]  # `from reviews import services`


def test_apps_import_one_way() -> None:
    upward = set()
    for module, path in MODULES.items():
        app = module.split(".")[0]
        for target in _imports(module, path):
            other = target.split(".")[0]
            if other in ALLOWED and other != app and other not in ALLOWED[app]:
                upward.add((module, target))
    assert sorted(upward - KNOWN_UPWARD) == [], "imports against the direction of the apps"
    assert sorted(KNOWN_UPWARD - upward) == [], "gone: remove them from KNOWN_UPWARD"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _package_edges_dropped(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    # A module importing a sibling through its own package (whose __init__ re-exports the
    # package's modules) is how a package presents itself, not a cycle between files. The
    # package's edges to its modules stay: importing a package runs them.
    return {m: {t for t in targets if not m.startswith(t + ".")} for m, targets in graph.items()}


@pytest.mark.parametrize("app", ACYCLIC_APPS)
def test_no_import_cycles_between_files(app: str) -> None:
    graph = _package_edges_dropped(_graph())
    within = {m: {t for t in ts if t.split(".")[0] == app} for m, ts in graph.items()}
    within = {m: ts for m, ts in within.items() if m.split(".")[0] == app}
    assert _cycles(within) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycles({"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}, "a.w": {"a.x"}}) == [
        ["a.x", "a.y", "a.z"]
    ]
