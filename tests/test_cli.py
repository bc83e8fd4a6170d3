"""The command line: every command answers --help, does its job, and fails with exit code 2
and a message naming the file and the fix."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from carlcities.cli import app
from carlcities.config import load_config

runner = CliRunner()


@pytest.mark.parametrize("cmd", ["run", "demo", "cities", "indicators", "report", "init"])
def test_help_teaches(cmd):
    r = runner.invoke(app, [cmd, "--help"])
    assert r.exit_code == 0
    assert len(r.output.split()) > 25  # more than a usage line


def test_cities_lists_the_catalogue():
    r = runner.invoke(app, ["cities", "--csv"])
    assert r.exit_code == 0
    lines = r.output.strip().splitlines()
    assert len(lines) == 49 and lines[0].startswith("city_id,")
    assert any(line.startswith("tashkent,Tashkent,Ташкент,UZB") for line in lines)
    r = runner.invoke(app, ["cities", "--country", "kgz", "--csv"])
    assert len(r.output.strip().splitlines()) == 4


def test_indicators_lists_registry():
    from carlcities.indicators import all_indicators

    r = runner.invoke(app, ["indicators", "--theme", "growth"], env={"COLUMNS": "250"})
    assert r.exit_code == 0
    growth = all_indicators("growth")
    assert growth and all(i.id in r.output and i.name_ru in r.output for i in growth)
    assert "form." not in r.output


def test_init_writes_a_loadable_template(tmp_path):
    p = tmp_path / "study.yaml"
    r = runner.invoke(app, ["init", str(p)])
    assert r.exit_code == 0 and p.exists()
    assert load_config(p).sha256() == load_config(None).sha256()
    r = runner.invoke(app, ["init", str(p)])
    assert r.exit_code == 2 and "--force" in r.output
    assert runner.invoke(app, ["init", str(p), "--force"]).exit_code == 0


def test_report_without_store(tmp_path):
    r = runner.invoke(app, ["report", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "study.duckdb" in r.output and "carlcities run" in r.output


def test_demo_writes_real_formats(tmp_path):
    r = runner.invoke(app, ["demo", "--out", str(tmp_path), "--cities", "osh"])
    assert r.exit_code == 0, r.output
    names = {p.name for p in (tmp_path / "osh").iterdir()}
    assert "GHS_BUILT_S_E2020_GLOBE_R2023A_54009_100_V1_0.tif" in names
    assert "GHS_POP_E1990_GLOBE_R2023A_54009_100_V1_0.tif" in names


def test_demo_unknown_city(tmp_path):
    r = runner.invoke(app, ["demo", "--out", str(tmp_path), "--cities", "bishkak"])
    assert r.exit_code == 2 and "bishkek" in r.output


def test_one_error_printer_prints_message_file_fix_literally(capsys):
    """Every command fails through cli.common.fail: exit 2, the error type, the file and the
    fix, and square brackets in messages are printed, not read as markup."""
    import typer

    from carlcities.cli.common import fail
    from carlcities.errors import CarlError

    with pytest.raises(typer.Exit) as e:
        fail(CarlError("bad value [x]", path="study.yaml", fix="write [bold]ok[/bold]"))
    assert e.value.exit_code == 2
    err = capsys.readouterr().err
    assert "error (CarlError)" in err and "study.yaml" in err
    assert "bad value [x]" in err and "fix: write [bold]ok[/bold]" in err


def test_engines_lists_builtins_in_run_order_with_their_tables():
    from typer.testing import CliRunner

    from carlcities.cli import app

    r = CliRunner().invoke(app, ["engines"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.output.splitlines() if ln.startswith("│ ")]
    names = [ln.split("│")[1].strip() for ln in lines if ln.split("│")[1].strip()]
    assert names[0] == "form" and names[-1] == "scenarios"
    i = next(k for k, ln in enumerate(lines) if ln.split("│")[1].strip() == "risk")
    j = next((k for k in range(i + 1, len(lines)) if lines[k].split("│")[1].strip()),
             len(lines))
    risk = " ".join(lines[i:j])  # the row with its wrapped continuation lines
    assert "flood_depth_rp*" in risk and "risk_curves" in risk
