"""The engine protocol: ordering by needs, refusals, a plug-in installed from outside the
package, and the golden comparison of the refactored conductor with the store made before it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from carlcities import engines as E
from carlcities.errors import ConfigError

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "demo_3city"
PLUGIN = HERE / "plugins" / "carlcities_dense"


# -------------------------------------------------------------------------- ordering
def _names(engines):
    return [e.name for e in engines]


def test_form_first_and_scenarios_after_what_it_uses():
    # listed first, scenarios still runs after risk, carbon and mobility
    got = _names(E.order(["scenarios", "risk", "carbon", "mobility"]))
    assert got[0] == "form"
    assert got.index("scenarios") > max(got.index(n) for n in ("risk", "carbon", "mobility"))
    # the configured order is kept where needs allow: carbon before risk as listed
    assert got.index("risk") < got.index("carbon")
    assert _names(E.order([])) == ["form"]


def test_unknown_engine_is_refused_with_a_suggestion():
    with pytest.raises(ConfigError, match="unknown engine 'riks'") as exc:
        E.order(["riks"])
    assert "did you mean 'risk'" in exc.value.fix


class _Fake(E.BaseEngine):
    def __init__(self, name, needs=("form",), uses=()):
        self.name, self.needs, self.uses = name, needs, uses


def test_missing_need_and_circles_are_refused(monkeypatch):
    reg = dict(E.registered())
    reg.update(a=_Fake("a", needs=("form", "b")), b=_Fake("b", needs=("form", "a")),
               c=_Fake("c", needs=("form", "risk")))
    monkeypatch.setattr(E, "registered", lambda: reg)
    with pytest.raises(ConfigError, match="circle: a → b → a"):
        E.order(["a", "b"])
    with pytest.raises(ConfigError, match="'c' needs 'risk'") as exc:
        E.order(["c"])
    assert "add risk to run.engines" in exc.value.fix
    assert _names(E.order(["c", "risk"])) == ["form", "risk", "c"]


def test_a_second_engine_with_a_taken_name_is_refused():
    with pytest.raises(ConfigError, match="two engines are called 'risk'"):
        E.register(_Fake("risk"))


def test_builtin_engines_declare_their_settings_and_tables():
    reg = E.registered()
    assert {"form", "environment", "mobility", "carbon", "risk", "scenarios"} <= set(reg)
    from carlcities.config import SECTIONS

    for e in reg.values():
        assert e.section is None or e.section in SECTIONS, e.name
        assert isinstance(e, E.Engine)
    assert "CREATE TABLE IF NOT EXISTS risk_curves" in reg["risk"].ddl
    assert "ghg_inventory" in reg["carbon"].ddl


# -------------------------------------------------------------------------- a plug-in
def _wheel(dest: Path) -> Path:
    """Build a wheel of the test plug-in by hand (a wheel is a zip with a dist-info)."""
    name, version = "carlcities_dense", "0.1"
    files: dict[str, bytes] = {f"{name}/__init__.py": (PLUGIN / "__init__.py").read_bytes()}
    di = f"{name}-{version}.dist-info"
    files[f"{di}/METADATA"] = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                               "Summary: carlcities test plug-in\n").encode()
    files[f"{di}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: carlcities-tests\n"
                            b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{di}/entry_points.txt"] = (b"[carlcities.engines]\n"
                                       b"dense = carlcities_dense:ENGINE\n")
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{di}/RECORD,,")
    files[f"{di}/RECORD"] = ("\n".join(record) + "\n").encode()
    whl = dest / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
    return whl


@pytest.mark.slow
def test_a_plugin_engine_installed_with_pip_runs_through_carlcities_run(tmp_path):
    site = tmp_path / "site"
    whl = _wheel(tmp_path)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-index", "--target", str(site), str(whl)], check=True)
    assert (site / "carlcities_dense-0.1.dist-info" / "entry_points.txt").exists()
    cfg = tmp_path / "study.yaml"
    cfg.write_text("cities: [kulob]\nepochs: [2000, 2020]\nrun:\n  engines: [dense]\n"
                   "  appraisal: false\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(site)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "carlcities.cli", "run", "--config", str(cfg),
                        "--out", str(out), "--workers", "1"], env=env, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    from carlcities.store import connect

    con = connect(out / "study.duckdb", read_only=True)
    try:
        share = con.execute("SELECT value, unit FROM indicator_values WHERE indicator_id = "
                            "'dense.core_share'").fetchall()
        cells = con.execute("SELECT cells, population FROM dense_cells").fetchall()
        total = con.execute("SELECT value FROM indicator_values WHERE indicator_id = "
                            "'form.population' AND epoch = 2020 AND zone_id = 'city'"
                            ).fetchone()[0]
        name = con.execute("SELECT name_en FROM indicators WHERE indicator_id = "
                           "'dense.core_share'").fetchone()[0]
    finally:
        con.close()
    assert len(share) == 1 and share[0][1] == "%"
    assert len(cells) == 1 and cells[0][0] > 0
    # the indicator is the table's population over the city's: both came from the plug-in
    assert share[0][0] == pytest.approx(100 * cells[0][1] / total, rel=1e-9)
    assert 0 < share[0][0] < 100
    assert name == "Residents in dense cells"
    notes = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["city_notes"]
    assert any(n.startswith("dense: ") for n in notes["kulob"])
    page = (out / "report" / "cities" / "kulob.html").read_text(encoding="utf-8")
    assert "Dense cells (plug-in)" in page and f"{cells[0][0]} cells at least half" in page


# -------------------------------------------------------------------------- golden store
@pytest.mark.slow
def test_the_store_holds_the_same_numbers_as_before_the_refactor(tmp_path):
    """3 cities of the default study against the dump made with the conductor before the
    engine protocol (tests/golden/demo_3city): every table, every value, every COG's pixels."""
    sys.path.insert(0, str(HERE / "golden"))
    try:
        import store_dump as S
    finally:
        sys.path.pop(0)
    from carlcities.pipeline import run_study

    run_study(None, tmp_path / "out", cities=["osh", "kulob", "mary"], workers=1)
    problems = S.compare(S.read_dump(GOLDEN), S.dump_store(tmp_path / "out"))
    assert problems == []


def test_the_golden_comparison_forgives_the_last_bit_only():
    """The comparison of the golden store reads numbers inside JSON texts (evidence,
    summaries) within 1e-12 relative, as it reads numeric columns: a last-bit difference
    between CPUs passes, a real change or a changed key or text does not."""
    import pandas as pd

    sys.path.insert(0, str(HERE / "golden"))
    try:
        import store_dump as S
    finally:
        sys.path.pop(0)

    def table(text: str, x: float) -> dict:
        return {"t": pd.DataFrame({"id": ["a"], "x": [x], "j": [text]})}

    ref = table('{"v": [42.2134450027507, 1], "k": "npv"}', 1.0)
    assert S.compare(ref, table('{"v": [42.213445002750696, 1], "k": "npv"}', 1.0)) == []
    assert S.compare(ref, table('{"v": [42.2134450027507, 1], "k": "npv"}', 1.0 + 2e-16)) == []
    for text, x in (('{"v": [42.2134450028, 1], "k": "npv"}', 1.0),
                    ('{"v": [42.2134450027507, 1], "k": "bcr"}', 1.0),
                    ('{"w": [42.2134450027507, 1], "k": "npv"}', 1.0),
                    ('{"v": [42.2134450027507, 1], "k": "npv"}', 1.0 + 1e-9),
                    ('not json', 1.0)):
        assert S.compare(ref, table(text, x)) != [], text
