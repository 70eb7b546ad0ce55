"""The architecture rules of the package, checked on its source (see README, Architectuur).

- no module-level mutable state: module globals are immutable (tuples, frozensets,
  read-only mappings, compiled patterns, functions, classes); the only memoised functions
  are the pure ones listed below, with the reason;
- no ``chdir`` and no path taken from the working directory;
- no function over 120 lines, no class over 400 lines;
- the imports between modules at import time form no cycle.
"""

from __future__ import annotations

import ast
import fractions
import importlib
import pkgutil
import re
import statistics
import types
from pathlib import Path

import numpy as np
import pytest

import tevredenheidsrapport

PACKAGE = Path(tevredenheidsrapport.__file__).parent
MODULES = sorted(m.name for m in pkgutil.iter_modules([str(PACKAGE)]))
#: Memoised functions allowed at module level: pure functions of constants or files that
#: ship with the package, so the cache can never hold a report's or a period's data.
MEMOISED = {
    "figures._advance": "width of one character in the pinned font",
    "nlmap.load_provinces": "the province shapes shipped in resources/provinces.json",
    "nlmap.province_path": "one province shape as a matplotlib Path, from the same file",
    "nlmap._bounds": "the bounding box of those shapes",
    "theme._blank_figure": "an empty figure in the pinned style, pickled: the style's constants",
    "theme._text_extent": "the size of a string in a font file at a size: the font's own metrics",
    "theme._height_metrics": "a font file's ascent, descent and line gap at a size: its tables",
}
IMMUTABLE = (
    str,
    bytes,
    int,
    float,
    bool,
    type(None),
    tuple,
    frozenset,
    types.MappingProxyType,
    re.Pattern,
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.ModuleType,
    Path,
    statistics.NormalDist,  # no mutators
    fractions.Fraction,  # a number, like float
)


def _sources():
    for name in MODULES:
        yield name, ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))


#: The one registry, as the architecture wants it (see items.py): filled at import, and
#: ``register`` only adds a type under a new key (a plugin or a test).
REGISTRIES = {"items.ITEM_TYPES"}


def _assigned(tree: ast.Module) -> set[str]:
    """Names the module itself binds at module level (imports excluded): assignments, and
    decorated functions."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            names.add(node.name)  # a decorator may wrap it in a cache
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for t in targets:
            if isinstance(t, ast.Name):
                names.add(t.id)
            elif isinstance(t, ast.Tuple):
                names.update(e.id for e in t.elts if isinstance(e, ast.Name))
    return names


@pytest.mark.parametrize("name", MODULES)
def test_module_globals_are_immutable(name):
    module = importlib.import_module(f"tevredenheidsrapport.{name}")
    tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
    bad = []
    for key in sorted(_assigned(tree)):
        value = getattr(module, key)
        if key.startswith("__") or isinstance(value, IMMUTABLE):
            continue
        if f"{name}.{key}" in REGISTRIES:
            continue
        if isinstance(value, np.ndarray) and not value.flags.writeable:
            continue
        if hasattr(value, "cache_info"):  # functools.lru_cache / cache
            if f"{name}.{key}" not in MEMOISED:
                bad.append(f"{key}: memoised, not in MEMOISED")
            continue
        if callable(value) or type(value).__module__ == "typing":
            continue  # functools.partial, ParamSpec/TypeVar and such
        bad.append(f"{key}: {type(value).__name__}")
    assert not bad, f"module-level mutable state in {name}: {bad}"


def test_no_chdir_and_no_paths_from_the_working_directory():
    found = []
    for name, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("chdir", "cwd", "getcwd"):
                found.append(f"{name}.py:{node.lineno} {node.attr}")
    assert not found, found


def test_functions_and_classes_stay_short():
    long = []
    for name, tree in _sources():
        for node in ast.walk(tree):
            if not hasattr(node, "end_lineno"):
                continue
            size = (node.end_lineno or 0) - node.lineno + 1
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and size > 120:
                long.append(f"{name}.{node.name}: {size} lines")
            elif isinstance(node, ast.ClassDef) and size > 400:
                long.append(f"{name}.{node.name}: {size} lines")
    assert not long, long


def _import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, tree in _sources():
        deps: set[str] = set()
        for node in tree.body:  # module level only: imports inside functions are lazy
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    deps.add(node.module.split(".")[0])
                else:
                    deps.update(a.name for a in node.names)
        graph[name] = deps & set(MODULES)
    return graph


def test_module_imports_form_no_cycle():
    graph = _import_graph()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, node, dep]))
            if dep not in state:
                visit(dep, [*path, node])
        state[node] = 2

    for module in graph:
        if module not in state:
            visit(module, [])
