"""The shape of the code: no import cycle among annotator's modules, no Flask outside the web
layer, no import hidden inside a function of the domain packages.

Imports are read with `ast`, so nothing is executed and a cycle shows even where Python would
tolerate it at run time.
"""
from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import annotator

ROOT = Path(annotator.__file__).resolve().parent
# The web layer and the command line are where Flask belongs; annotator/__init__.py holds the
# app factory, which imports Flask when it is called (importing the package does not).
FLASK_ALLOWED = ("web/", "cli.py", "cli_provenance.py", "__init__.py")  # the command line is click via Flask
# Modules and packages whose functions import none of annotator's modules: every dependency
# among them is visible at the top, where the cycle check sees it. (A library may still be
# imported where it is used, to keep start-up short.)
NO_LOCAL_IMPORTS = ("review/", "export/", "hints/", "timestamps.py", "articles.py", "projects.py",
                    "models.py", "cli.py")


def _modules() -> dict[str, tuple[Path, ast.Module]]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] == "migrations":
            continue  # Alembic's scripts, loaded by Alembic by file name
        parts = ["annotator", *rel.with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = (path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name][0].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(module: str, node: ast.stmt) -> list[str]:
    """The annotator modules an import statement loads."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = _resolve(module, node)
        # `from pkg import mod` loads pkg.mod; `from mod import name` loads mod
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    else:
        return []
    return [n for n in names if n in MODULES and n != module]


def _module_level(body: list[ast.stmt]):
    """Statements run when the module is imported: not function bodies, not TYPE_CHECKING."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        yield node
        for field in ("body", "orelse", "finalbody", "handlers"):
            yield from _module_level(getattr(node, field, []) or [])


def _local_imports(tree: ast.Module):
    """Imports of annotator's own modules inside a function."""
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                own = node.level if isinstance(node, ast.ImportFrom) else False
                if isinstance(node, ast.ImportFrom) and not own:
                    own = (node.module or "").split(".")[0] == "annotator"
                elif isinstance(node, ast.Import):
                    own = any(a.name.split(".")[0] == "annotator" for a in node.names)
                if own:
                    yield fn.name, node


def import_graph() -> dict[str, set[str]]:
    return {name: {t for node in _module_level(tree.body) for t in _targets(name, node)}
            for name, (_, tree) in MODULES.items()}


def _rel(name: str) -> str:
    return str(MODULES[name][0].relative_to(ROOT))


def test_the_graph_sees_the_packages():
    graph = import_graph()
    assert {"annotator.review.stats", "annotator.export.kinds", "annotator.hints.matcher"} <= set(graph)
    assert "annotator.review.adjudication" in graph["annotator.export.kinds"]
    assert "annotator.hints.terms" in graph["annotator.hints.attribution"]


def test_no_import_cycle():
    try:
        tuple(TopologicalSorter(import_graph()).static_order())
    except CycleError as err:
        raise AssertionError("import cycle: " + " -> ".join(err.args[1])) from None


def test_a_cycle_is_found():
    """The check itself: a graph with a cycle fails it."""
    graph = import_graph()
    graph["annotator.review.agreement"] = graph["annotator.review.agreement"] | {"annotator.review.stats"}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as err:
        assert "annotator.review.agreement" in err.args[1]
    else:
        raise AssertionError("the added cycle was not found")


def test_domain_modules_import_no_flask():
    found = []
    for name, (path, tree) in MODULES.items():
        if _rel(name).startswith(FLASK_ALLOWED):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            found += [f"{_rel(name)}:{node.lineno} imports {r}" for r in roots
                      if r == "flask" or r.startswith("flask_")]
    assert not found, "\n".join(found)


def test_no_own_import_inside_a_function_of_the_domain_packages():
    found = [f"{_rel(name)}:{node.lineno} in {fn}()"
             for name, (_, tree) in MODULES.items() if _rel(name).startswith(NO_LOCAL_IMPORTS)
             for fn, node in _local_imports(tree)]
    assert not found, "\n".join(found)
