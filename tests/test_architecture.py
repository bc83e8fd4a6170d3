"""The house's rules, checked on the source: data flows one way, no import circles, no private
name crosses a module, no module grows past ~600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import carlcities

ROOT = Path(carlcities.__file__).parent
MAX_LINES = 600
#: the flow of the house, upstream first; a module may import only from its own stage or
#: from stages before it (cli and the package facade sit on top and may import anything)
STAGES = [
    {"errors", "_version", "files", "progress", "_schema", "_settings_types", "_datafiles",
     "_validate", "zonal", "grid", "config", "config_docs", "catalog", "outdir", "memory"},
    {"io", "network", "fetch", "inputs"},
    {"indicators"},
    {"engines", "risk", "carbon", "scenarios", "scorecard", "store"},
    {"results", "coverage"},
    {"appraisal"},
    # the demo region writes inputs with the engines' own science (terrain, mudflow fans):
    # it sits above them, and only the conductor and the command line call it
    {"demo"},
    # the portal reads results and scorecards; the conductor never imports it
    {"pipeline", "report", "preflight", "runplan", "portal"},
]


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(ROOT.rglob("*.py")):
        rel = p.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(["carlcities"] + parts)] = p
    return out


def _imports(path: Path, module: str) -> list[tuple[str, list[str]]]:
    """(imported module, names) of every import, lazy ones too, TYPE_CHECKING blocks left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for b in node.body for n in ast.walk(b)}
    pkg = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.startswith("carlcities")]
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            base = pkg
            for _ in range(max(node.level - 1, 0)):
                base = base.rpartition(".")[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level \
                else (node.module or "")
            if target.startswith("carlcities"):
                out.append((target, [a.name for a in node.names]))
    return out


def _stage(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None
    for i, names in enumerate(STAGES):
        if parts[1] in names:
            return i
    return None


def test_no_private_name_crosses_a_module():
    bad = []
    for mod, path in _modules().items():
        for target, names in _imports(path, mod):
            bad += [f"{mod}: {target}.{n}" for n in names
                    if n.startswith("_") and not n.startswith("__")]
    assert bad == []


def test_no_module_is_over_600_lines():
    long = {m: n for m, p in _modules().items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_no_import_circles():
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, p in mods.items():
        for target, names in _imports(p, m):
            for t in [f"{target}.{n}" for n in names] + [target]:
                if t in mods and t != m:
                    graph[m].add(t)
                    break
    # a package's __init__ re-exporting its own modules is not a circle of the house
    state: dict[str, int] = {}
    cycles = []

    def visit(n: str, stack: list[str]) -> None:
        state[n] = 1
        for d in graph[n]:
            if d.startswith(n + "."):
                continue
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif not state.get(d):
                visit(d, stack + [d])
        state[n] = 2

    for n in graph:
        if not state.get(n):
            visit(n, [n])
    real = [c for c in cycles if not all(x.startswith(c[0].rpartition(".")[0] + ".")
                                         and "__init__" in str(mods[x]) for x in c[:1])]
    assert real == []


def test_data_flows_one_way():
    """config → catalogue → grid → layers → indicators → engines → results → appraisal →
    pipeline/report; the command line on top."""
    bad = []
    for mod, path in _modules().items():
        s = _stage(mod)
        if s is None:  # the package facade and the command line sit above everything
            continue
        for target, _ in _imports(path, mod):
            t = _stage(target)
            if t is not None and t > s:
                bad.append(f"{mod} (stage {s}) imports {target} (stage {t})")
            if target.startswith("carlcities.cli"):
                bad.append(f"{mod} imports the command line")
    assert bad == []
