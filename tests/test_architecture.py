"""The house's rules, checked on the code itself: the package's import graph has no cycle (imports made only
for type checking included), no function is over 60 lines, and each layer imports only what lies below it.
``docs/architecture.md`` describes the tree these tests hold to."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "model"
MAX_FUNCTION_LINES = 60


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _resolve(name: str) -> str | None:
    """The package's module that an import of ``name`` loads (a name inside a module: that module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """The package's modules ``module`` imports anywhere in its text (functions and TYPE_CHECKING blocks too)."""
    path = MODULES[module]
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            root = ".".join(base[: len(base) - node.level + 1]) if node.level else ""
            target = ".".join(p for p in (root, node.module or "") if p)
            names = [f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target for a in node.names]
        else:
            continue
        found |= {m for m in map(_resolve, (n for n in names if n.split(".")[0] == "model")) if m and m != module}
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


def _packages_of(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph as a list of nodes (the first repeated at the end), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_the_cycle_finder_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_package_has_no_import_cycle():
    # A package's __init__ that only hands on its submodules' names is not an edge back up: a submodule
    # importing a sibling through the package is resolved to the package, so leave out package -> own member.
    graph = {m: {n for n in deps if m not in _packages_of(n)} for m, deps in GRAPH.items()}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


#: Each layer and what it may import, lowest first (a module may import its own layer and any below).
LAYERS = [
    ("errors", "ladder", "params", "mechanisms", "kernels", "seeds", "draws", "lazy", "files", "tables", "progress"),
    ("rules", "scenario"),
    ("terms", "crisis", "codings", "agents", "council", "model", "statistics", "results", "simulate", "posterior"),
    ("plots", "sweep"),
    ("calibrate", "analysis", "explorer", "runs"),
    ("cli",),
]


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    return next((i for i, names in enumerate(LAYERS) if top in names), -1)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if "." in m))
def test_a_module_imports_nothing_above_its_layer(module):
    mine = _layer(module)
    assert mine >= 0, f"{module} is in no layer of LAYERS: add its folder to docs/architecture.md and LAYERS"
    above = sorted(n for n in GRAPH[module] if "." in n and _layer(n) > mine)
    assert not above, f"{module} imports {above} from a layer above its own"


def _long_functions() -> list[str]:
    out = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    out.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name} ({lines} lines)")
    return out


def test_no_function_is_over_60_lines():
    assert _long_functions() == []


def test_every_module_is_on_this_page():
    """docs/architecture.md names every module of the package (by its file name, in its folder's block)."""
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if p.name not in text
                     or (p.parent != PACKAGE and f"{p.parent.name}/" not in text))
    assert not missing, f"docs/architecture.md does not name {missing}"
