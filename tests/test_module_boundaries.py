"""Module boundaries of the package: no private name crosses a module, no import cycle.

Both checks read the source with :mod:`ast`, so they see imports inside functions as well as
those at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mmm"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()
PACKAGES = {name for name, path in MODULES.items() if path.name == "__init__.py"}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(source: str) -> list[str]:
    """``module.name`` for every private name imported from an mmm module in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        module = node.module if isinstance(node, ast.ImportFrom) and node.level == 0 else None
        if module and (module == "mmm" or module.startswith("mmm.")):
            found += [f"{module}.{a.name}" for a in node.names if _private(a.name)]
    return found


def imported_modules(source: str) -> set[str]:
    """The mmm modules (not packages) that ``source`` imports, anywhere in the file."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        out |= {n for n in names if n in MODULES and n not in PACKAGES}
    return out


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def unused_private_functions(source: str) -> list[str]:
    """Module-level private functions that nothing in ``source`` refers to.

    A private name never leaves its module (see the test below), so one unused in its own
    module is dead code. A use is any name, attribute or string constant equal to it.
    """
    tree = ast.parse(source)
    defined = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _private(node.name)
    }
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    used |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    used |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}  # __all__, getattr
    return sorted(name for name in defined if name not in used)


def test_no_unused_private_function() -> None:
    found = {
        name: hits
        for name, path in MODULES.items()
        if (hits := unused_private_functions(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_unused_private_function_check_finds_them() -> None:
    source = "def _used(x):\n    return x\n\ndef _dead():\n    pass\n\nVALUE = _used(1)\n"
    assert unused_private_functions(source) == ["_dead"]


def test_no_private_name_imported_across_modules() -> None:
    found = {
        name: hits
        for name, path in MODULES.items()
        if (hits := private_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_no_import_cycle_between_modules() -> None:
    graph = {
        name: imported_modules(path.read_text(encoding="utf-8")) - {name}
        for name, path in MODULES.items()
        if name not in PACKAGES
    }
    assert import_cycles(graph) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from mmm.attribution.paths import PathData, _columns",
            ["mmm.attribution.paths._columns"],
        ),
        (
            "def f():\n    from mmm.planning.objectives import _index",
            ["mmm.planning.objectives._index"],
        ),
        ("from mmm import __version__\nfrom numpy import _core", []),
    ],
)
def test_private_import_check_finds_them(source: str, expected: list[str]) -> None:
    assert private_imports(source) == expected


def test_cycle_check_finds_a_function_level_cycle() -> None:
    paths = "from mmm.attribution.tables import read_table\n"
    paths += "def f():\n    from mmm.attribution.events import paths_from_events\n"
    graph = {
        "mmm.attribution.paths": imported_modules(paths),
        "mmm.attribution.events": imported_modules("from mmm.attribution.paths import SEP"),
        "mmm.attribution.tables": set(),
    }
    assert import_cycles(graph) == [["mmm.attribution.events", "mmm.attribution.paths"]]
