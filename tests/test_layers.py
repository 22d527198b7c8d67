"""The package's import layers, checked statically (``ast``; nothing is imported).

The direction (issue 16): cli → batch → write → judge → read → values → model. A module may
import modules of its own layer or of a lower one. This test fails on

* an *upward* import (a lower layer importing a higher one);
* an import of the package root ``perf_xlsx`` from inside the package (its ``__init__`` is the
  public facade and imports the judge layer; a module that reads ``perf_xlsx.__version__`` or
  the facade depends on all of it). ``perf_xlsx.__main__`` is the one exception;
* an import cycle between modules, within a layer too;
* a module the table below does not place, and a table entry that names no module (so the
  table is kept up to date when modules move).

Every import statement counts: module level, inside functions, under ``if TYPE_CHECKING:``
(a type-only import is still a dependency, and a cycle through one is still a cycle), and
``importlib.import_module("perf_xlsx....")`` calls with a literal name. ``from perf_xlsx
import legacy`` is an import of the submodule ``perf_xlsx.legacy``, not of the root.
Importing ``perf_xlsx.a.b`` also runs the ``__init__`` of ``perf_xlsx.a``; that implicit
edge is not counted (a subpackage's ``__init__`` re-exporting its members would otherwise
always form a cycle with them).

To move modules into subpackages, edit LAYER_OF: a key names a module or a package and
covers everything under it (``"perf_xlsx.read"`` places ``perf_xlsx.read`` and
``perf_xlsx.read.grid``); the longest matching key wins.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import syntax

PACKAGE = "perf_xlsx"
PACKAGE_DIR = Path(__file__).resolve().parent.parent / PACKAGE

#: Lowest first: a module may import its own layer and the layers before it.
LAYERS: tuple[str, ...] = ("model", "values", "ooxml", "read", "judge", "write", "batch", "api", "cli")

#: Module (or package prefix) → layer; see the module docstring.
LAYER_OF: dict[str, str] = {
    # model: the data classes, and helpers that import nothing from the package.
    "perf_xlsx.model": "model",
    "perf_xlsx.enums": "model",
    "perf_xlsx.version": "model",
    "perf_xlsx.fileutil": "model",  # atomic file writes; no perf_xlsx imports, so lowest
    "perf_xlsx.codes": "model",  # the finding-code registry: needs only Severity
    "perf_xlsx.memo": "model",  # bounded memos keyed by a part's bytes: read and ooxml share them
    # values: cell text and numbers → quantities, grades, labels; A1 references.
    "perf_xlsx.values": "values",
    "perf_xlsx.a1": "values",
    # ooxml: package surgery that knows nothing of 自评表 (below read, so that reading and
    # writing can share one view of a package).
    "perf_xlsx.ooxml": "ooxml",
    # read: workbook bytes → grid → WorkbookModel (.xlsx, and .xls/.ods via calamine).
    "perf_xlsx.read": "read",
    # judge: the rules profiles, scoring, checks and the read+score+check pipeline. The rules
    # loader sits here, not in read: nothing that reads a workbook needs a profile; scoring,
    # checks and everything above them do.
    "perf_xlsx.rules": "judge",
    "perf_xlsx.judge": "judge",
    # the one builder of perf_xlsx.result/1 dicts (batch lines, --json, frames): it renders
    # scored projects, so it sits with the scoring it reads.
    "perf_xlsx.results": "judge",
    # write: the scored copy, the blank template.
    "perf_xlsx.write": "write",
    # the Word drafts (自评报告, 整改反馈单) written from a result and its workbook.
    "perf_xlsx.draft": "write",
    # batch: folder runs and their 汇总.xlsx.
    "perf_xlsx.bulk": "batch",
    # api: the analyst's Python API (evaluate / batch / template, results as DataFrames), over
    # everything that reads, judges and writes; the package root re-exports it.
    "perf_xlsx.api": "api",
    "perf_xlsx.frames": "api",
    # cli: the command line, ``python -m perf_xlsx`` and the package facade.
    "perf_xlsx.cli": "cli",
    "perf_xlsx.__main__": "cli",
}
#: The package root (its __init__, the public facade) is placed by exact name only: a prefix
#: entry for it would silently place every new module.
ROOT_LAYER = "cli"
#: Modules allowed to import the package root.
ROOT_IMPORTERS: frozenset[str] = frozenset({"perf_xlsx.__main__"})


# --- the checker ------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    name: str  # dotted: perf_xlsx.rules, perf_xlsx.write.scored
    source: str
    is_package: bool  # an __init__.py: relative imports resolve against the module itself
    path: str = ""


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module of the package
    line: int
    statement: str  # as written (one line), for the report
    type_only: bool = False  # under `if TYPE_CHECKING:`


@dataclass(frozen=True)
class Violation:
    kind: str  # "upward" | "root" | "cycle" | "unplaced" | "unknown" | "stale"
    module: str
    line: int = 0
    statement: str = ""
    detail: str = ""

    def __str__(self) -> str:
        where = f"{self.module}:{self.line}" if self.line else self.module
        what = f"  `{self.statement}`" if self.statement else ""
        return f"[{self.kind}] {where}{what}  — {self.detail}"


def discover(package_dir: Path, package: str = PACKAGE) -> dict[str, Module]:
    """Every .py module under ``package_dir``, by dotted name."""
    modules: dict[str, Module] = {}
    for path in sorted(package_dir.rglob("*.py")):
        rel = path.relative_to(package_dir).with_suffix("")
        parts = [package, *rel.parts]
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join(parts)
        modules[name] = Module(name, path.read_text(encoding="utf-8"), is_package, str(path))
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _statement(node: ast.AST) -> str:
    return " ".join(ast.unparse(node).split())


def collect_imports(mod: Module, known: Iterable[str], package: str = PACKAGE) -> list[Import]:
    """The imports of package modules in ``mod`` (other imports are ignored)."""
    known = set(known)
    tree = syntax.parse(mod.source, filename=mod.path or mod.name)
    base = mod.name if mod.is_package else mod.name.rpartition(".")[0]
    found: list[Import] = []

    def inside(name: str) -> bool:
        return name == package or name.startswith(package + ".")

    def add(target: str, node: ast.AST, type_only: bool) -> None:
        found.append(Import(mod.name, target, getattr(node, "lineno", 0), _statement(node), type_only))

    # Import statements sit among statements only; expressions need walking only for a call
    # of import_module / __import__, which a module without those names cannot hold.
    dynamic = "import_module" in mod.source or "__import__" in mod.source

    def visit(node: ast.AST, type_only: bool) -> None:
        if not dynamic and isinstance(node, ast.expr):
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, type_only)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if inside(alias.name):
                    add(alias.name, node, type_only)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base.split(".")
                if node.level > 1:
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                origin = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            if inside(origin):
                # `from pkg import sub` imports the submodule pkg.sub; `from pkg import name`
                # imports pkg itself. One statement may do both.
                targets = []
                for alias in node.names:
                    sub = f"{origin}.{alias.name}"
                    targets.append(sub if sub in known else origin)
                for target in dict.fromkeys(targets):
                    add(target, node, type_only)
        elif isinstance(node, ast.Call):
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if fname in ("import_module", "__import__") and node.args and \
                    isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str) and \
                    inside(node.args[0].value):
                add(node.args[0].value, node, type_only)
        for inner in ast.iter_child_nodes(node):
            visit(inner, type_only)

    visit(tree, False)
    return found


def layer_of(module: str, table: Mapping[str, str], package: str = PACKAGE,
             root_layer: str = ROOT_LAYER) -> str | None:
    """The layer of ``module`` by its longest matching key, or None if the table misses it."""
    if module == package:
        return root_layer
    best = None
    for key, layer in table.items():
        if (module == key or module.startswith(key + ".")) and (best is None or len(key) > len(best[0])):
            best = (key, layer)
    return best[1] if best else None


def find_cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself
    (Tarjan, iterative); each sorted, the list sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    graph = {k: sorted(set(v)) for k, v in edges.items()}
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(graph.get(start, [])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph.get(nxt, []))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                scc = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    scc.append(member)
                    if member == node:
                        break
                if len(scc) > 1 or node in graph.get(node, []):
                    out.append(sorted(scc))
    return sorted(out)


def check(modules: Mapping[str, Module], table: Mapping[str, str], *, layers: Sequence[str] = LAYERS,
          package: str = PACKAGE, root_layer: str = ROOT_LAYER,
          root_importers: Iterable[str] = ROOT_IMPORTERS) -> list[Violation]:
    """Every violation of the layer rules in ``modules`` (see the module docstring)."""
    rank = {name: i for i, name in enumerate(layers)}
    allowed_root = set(root_importers)
    violations: list[Violation] = []
    imports = [imp for name in sorted(modules) for imp in collect_imports(modules[name], modules, package)]

    for name in sorted(modules):
        if layer_of(name, table, package, root_layer) is None:
            violations.append(Violation("unplaced", name, detail="not in the layer table (LAYER_OF)"))
    for key in sorted(table):
        if not any(m == key or m.startswith(key + ".") for m in modules):
            violations.append(Violation("stale", key, detail="layer table entry names no module"))

    edges: dict[str, set[str]] = {name: set() for name in modules}
    for imp in imports:
        note = " (under TYPE_CHECKING)" if imp.type_only else ""
        if imp.target not in modules:
            violations.append(Violation("unknown", imp.module, imp.line, imp.statement,
                                        f"{imp.target} is not a module of the package{note}"))
            continue
        edges[imp.module].add(imp.target)
        if imp.target == package and imp.module != package and imp.module not in allowed_root:
            violations.append(Violation("root", imp.module, imp.line, imp.statement,
                                        f"imports the package root {package}{note}"))
            continue  # reported as that, not also as an upward import of the facade's layer
        src = layer_of(imp.module, table, package, root_layer)
        dst = layer_of(imp.target, table, package, root_layer)
        if src is not None and dst is not None and rank[dst] > rank[src]:
            violations.append(Violation("upward", imp.module, imp.line, imp.statement,
                                        f"{src} layer imports {imp.target} of the higher {dst} layer{note}"))

    for cycle in find_cycles(edges):
        members = set(cycle)
        chain = " ↔ ".join(cycle)
        for imp in imports:
            if imp.module in members and imp.target in members:
                note = " (under TYPE_CHECKING)" if imp.type_only else ""
                violations.append(Violation("cycle", imp.module, imp.line, imp.statement,
                                            f"imports {imp.target}, in the import cycle {chain}{note}"))
    return violations


def _report(violations: Sequence[Violation], kinds: Iterable[str]) -> list[str]:
    wanted = set(kinds)
    return [str(v) for v in violations if v.kind in wanted]


# --- the package ------------------------------------------------------------------------

MODULES = discover(PACKAGE_DIR)
VIOLATIONS = check(MODULES, LAYER_OF)


def _fail_on(kinds: Iterable[str], title: str) -> None:
    found = _report(VIOLATIONS, kinds)
    if found:
        pytest.fail(f"{title} ({len(found)}):\n" + "\n".join(found), pytrace=False)


def test_modules_found() -> None:
    assert "perf_xlsx" in MODULES and "perf_xlsx.model" in MODULES and "perf_xlsx.rules" in MODULES


def test_table_places_every_module() -> None:
    _fail_on(["unplaced", "stale"], "the layer table is out of date")


def test_imports_name_existing_modules() -> None:
    _fail_on(["unknown"], "imports of modules the package does not have")


def test_no_upward_imports() -> None:
    _fail_on(["upward"], f"upward imports (layers, lowest first: {' < '.join(LAYERS)})")


def test_no_package_root_imports() -> None:
    _fail_on(["root"], "imports of the package root from inside the package")


def test_no_import_cycles() -> None:
    _fail_on(["cycle"], "import cycles")


# --- the checker checks -----------------------------------------------------------------


def _synthetic(sources: Mapping[str, str]) -> dict[str, Module]:
    """``{"pkg.a": "import pkg.b"}``; a name ending in ``.__init__`` is a package."""
    out = {}
    for name, source in sources.items():
        is_package = name.endswith(".__init__") or name == "pkg"
        real = name.removesuffix(".__init__")
        out[real] = Module(real, textwrap.dedent(source), is_package)
    return out


SYNTHETIC_LAYERS = ("low", "mid", "high")
SYNTHETIC_TABLE = {"pkg.base": "low", "pkg.sub": "mid", "pkg.top": "high", "pkg.peer": "mid"}


def _check_synthetic(sources: Mapping[str, str], table: Mapping[str, str] = SYNTHETIC_TABLE
                     ) -> list[Violation]:
    return check(_synthetic(sources), table, layers=SYNTHETIC_LAYERS, package="pkg", root_layer="high",
                 root_importers={"pkg.__main__"})


def test_checker_accepts_a_clean_package() -> None:
    found = _check_synthetic({
        "pkg": "from pkg.top import run\n",
        "pkg.__main__": "import pkg\n",
        "pkg.base": "import os\n",
        "pkg.sub.__init__": "from .inner import x\n",
        "pkg.sub.inner": "from ..base import y\nfrom pkg import base\nimport pkg.base\n",
        "pkg.peer": "from pkg.sub import inner\n",
        "pkg.top": "def f() -> None:\n    from pkg.sub.inner import x\n",
    }, {**SYNTHETIC_TABLE, "pkg.__main__": "high"})
    assert found == []


def test_checker_reports_upward_imports() -> None:
    found = _check_synthetic({
        "pkg": "",
        "pkg.base": "import json\n\n\ndef f() -> None:\n    import pkg.top\n",  # line 5
        "pkg.sub.__init__": "from ..top import run\n",  # relative, from a package __init__
        "pkg.peer": "from .base import b\n",  # relative, from a module: downward, fine
        "pkg.top": "",
    })
    assert [(v.kind, v.module, v.line) for v in found] == [
        ("upward", "pkg.base", 5), ("upward", "pkg.sub", 1)]
    assert "low layer imports pkg.top of the higher high layer" in str(found[0])


def test_checker_reports_cycles_within_a_layer_and_type_only_imports() -> None:
    found = _check_synthetic({
        "pkg": "",
        "pkg.base": "",
        "pkg.sub": "from pkg import peer\n",  # the submodule, not the root
        "pkg.peer": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub import X\n",
        "pkg.top": "",
    })
    assert [(v.kind, v.module, v.line) for v in found] == [("cycle", "pkg.peer", 3), ("cycle", "pkg.sub", 1)]
    assert "pkg.peer ↔ pkg.sub" in str(found[0]) and "TYPE_CHECKING" in str(found[0])


def test_checker_reports_root_imports_unplaced_and_stale_entries() -> None:
    found = _check_synthetic({
        "pkg": "from pkg.base import b\n",
        "pkg.__main__": "from pkg import top\nimport pkg\n",  # allowed to import the root
        "pkg.base": "",
        "pkg.top": "import pkg\nfrom . import __version__\nimport importlib\nimportlib.import_module('pkg.gone')\n",
        "pkg.extra": "",
    }, {**SYNTHETIC_TABLE, "pkg.__main__": "high"})
    kinds = sorted((v.kind, v.module, v.line) for v in found)
    assert kinds == [
        ("root", "pkg.top", 1), ("root", "pkg.top", 2),
        ("stale", "pkg.peer", 0), ("stale", "pkg.sub", 0),
        ("unknown", "pkg.top", 4),
        ("unplaced", "pkg.extra", 0),
    ]


def test_checker_finds_a_three_module_cycle_across_layers() -> None:
    found = _check_synthetic({
        "pkg": "", "pkg.base": "import pkg.peer\n", "pkg.peer": "import pkg.top\n",
        "pkg.top": "import pkg.base\n", "pkg.sub": "",
    })
    cycles = [v for v in found if v.kind == "cycle"]
    assert [v.module for v in cycles] == ["pkg.base", "pkg.peer", "pkg.top"]
    assert {v.module for v in found if v.kind == "upward"} == {"pkg.base", "pkg.peer"}


def test_layer_table_is_consistent() -> None:
    assert set(LAYER_OF.values()) <= set(LAYERS)
    assert ROOT_LAYER in LAYERS
    assert PACKAGE not in LAYER_OF  # placed by ROOT_LAYER, by exact name only


def test_prefix_entries_cover_subpackages() -> None:
    table = {"perf_xlsx.read": "read", "perf_xlsx.read.legacy": "batch"}
    assert layer_of("perf_xlsx.read", table) == "read"
    assert layer_of("perf_xlsx.read.grid", table) == "read"
    assert layer_of("perf_xlsx.read.legacy", table) == "batch"  # the longest key wins
    assert layer_of("perf_xlsx.reader", table) is None  # a prefix of the name is not a parent
    assert layer_of("perf_xlsx", table) == ROOT_LAYER
