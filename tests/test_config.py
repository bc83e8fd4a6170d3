"""The study configuration: defaults, template, docs and error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from carlcities import config_docs
from carlcities.config import SETTINGS, default_config, load_config, resolve_path
from carlcities.config_docs import render_docs, render_template, render_types
from carlcities.errors import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> str:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_default_is_the_demo_study():
    cfg = load_config()
    assert cfg.study.name == "central_asia_demo"
    assert cfg.data.source == "demo"
    assert cfg.cities is None
    assert cfg.epochs == [1990, 2000, 2010, 2020]
    assert cfg.grid.res_m == 100.0
    assert cfg.run.engines == ["environment", "mobility", "carbon", "risk", "scenarios"]
    assert cfg.source_path is None
    for s in SETTINGS:
        assert cfg.get(s.name) == s.default


def test_defaults_are_not_shared_between_configs():
    a, b = default_config(), default_config()
    a.epochs.append(2025)
    assert b.epochs == [1990, 2000, 2010, 2020]
    assert SETTINGS[4].default == [1990, 2000, 2010, 2020]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_an_empty_file_is_refused_not_run_as_the_whole_study(tmp_path, text):
    with pytest.raises(ConfigError, match="empty") as e:
        load_config(_write(tmp_path, text))
    assert "study.yaml" in str(e.value) and "carlcities init" in str(e.value)


@pytest.mark.parametrize("text,line", [("grid:\n  res_m: 100\n  res_m: 50\n", 3),
                                       ("cities: [osh]\ncities: [mary]\n", 2)])
def test_a_duplicate_key_is_refused_with_both_lines(tmp_path, text, line):
    with pytest.raises(ConfigError, match=f"line {line}: the key .* twice") as e:
        load_config(_write(tmp_path, text))
    assert "fix:" in str(e.value)


def test_template_round_trips_to_default(tmp_path):
    cfg = load_config(_write(tmp_path, render_template()))
    assert cfg.model_dump() == default_config().model_dump()
    assert cfg.sha256() == default_config().sha256()


def test_template_has_every_setting_and_russian_titles():
    text = render_template()
    for s in SETTINGS:
        assert f"{s.key}:" in text
    assert "# grid — city grid — сетка города" in text


def test_every_setting_is_documented():
    docs = render_docs()
    for s in SETTINGS:
        assert len(s.help) > 20, f"{s.name} needs a help text that teaches"
        assert f"`{s.name}`" in docs, f"{s.name} is missing from the docs"
    assert len({s.name for s in SETTINGS}) == len(SETTINGS), "a setting is declared twice"


def test_docs_file_is_not_stale():
    path = config_docs.DOCS_PATH
    assert path.is_file(), "docs/configuration.md is missing; run `python -m carlcities.config_docs`"
    assert path.read_text(encoding="utf-8") == render_docs(), (
        "docs/configuration.md is stale; regenerate it with `python -m carlcities.config_docs`")


def test_docs_example_is_valid(tmp_path):
    cfg = load_config(_write(tmp_path, config_docs.EXAMPLE))
    assert cfg.epochs == [2000, 2020] and cfg.grid.res_m == 50.0
    assert config_docs.EXAMPLE.strip() in render_docs()


def test_write_docs(tmp_path):
    out = config_docs.write_docs(tmp_path / "docs" / "configuration.md")
    assert out.read_text(encoding="utf-8") == render_docs()


def test_misspelled_key_names_line_and_fix(tmp_path):
    message = _error(tmp_path, "study:\n  name: x\ngrid:\n  res: 50\n")
    assert "line 4" in message
    assert "unknown setting 'grid.res'" in message
    assert "did you mean 'grid.res_m'?" in message


def test_flow_mapping_misspelling(tmp_path):
    message = _error(tmp_path, "epochs: [2000]\ngrid: {res: 50}\n")
    assert "line 2" in message and "res_m" in message


def test_unknown_top_level_key(tmp_path):
    message = _error(tmp_path, "study: {name: x}\nepoch: [2000]\n")
    assert "line 2" in message and "did you mean 'epochs'?" in message


def test_wrong_type_names_line_expected_type_and_unit(tmp_path):
    message = _error(tmp_path, "\ngrid: {res_m: fine}\n")
    assert "line 2" in message
    assert "grid.res_m" in message
    assert "expected number [m]" in message
    assert "'fine'" in message


def test_bad_choice(tmp_path):
    message = _error(tmp_path, "data:\n  source: web\n")
    assert "line 2" in message and "'demo' or 'files'" in message


@pytest.mark.parametrize("text, line, words", [
    ("epochs: []\n", 1, "at least 1"),
    ("epochs: [2000, 1990]\n", 1, "increasing order"),
    ("epochs: [1990, 1990]\n", 1, "without duplicates"),
    ("epochs:\n  - 1990\n  - 3000\n", 3, "2030"),
    ("form:\n  builtup_threshold: 0\n", 2, "greater than 0"),
    ("run: {workers: 0}\n", 1, "greater than or equal to 1"),
])
def test_bad_values(tmp_path, text, line, words):
    message = _error(tmp_path, text)
    assert f"line {line}:" in message and words in message


def test_several_problems_are_all_reported(tmp_path):
    message = _error(tmp_path, "grid:\n  res_m: -1\n  buffer: 2\n")
    assert "2 problems" in message and "line 2" in message and "line 3" in message


def test_yaml_syntax_error_names_line(tmp_path):
    message = _error(tmp_path, "study:\n  name: x\ngrid:\n  res_m: [1\n")
    assert "YAML syntax error" in message and "line 5" in message


def test_top_level_must_be_mapping(tmp_path):
    assert "mapping" in _error(tmp_path, "- a\n- b\n")


def test_section_must_be_mapping(tmp_path):
    message = _error(tmp_path, "grid: 5\n")
    assert "line 1" in message and "res_m" in message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="carlcities init"):
        load_config(tmp_path / "nope.yaml")


def test_relative_paths_resolve_from_config_file(tmp_path):
    sub = tmp_path / "studies"
    sub.mkdir()
    path = sub / "s.yaml"
    path.write_text("data:\n  source: files\n  builtup: rasters/b_{epoch}.tif\n", encoding="utf-8")
    cfg = load_config(path)
    assert resolve_path(cfg, cfg.data.builtup) == sub.resolve() / "rasters" / "b_{epoch}.tif"
    assert resolve_path(cfg, tmp_path / "abs.tif") == tmp_path / "abs.tif"
    assert resolve_path(default_config(), "x.tif") == Path.cwd() / "x.tif"


def test_sha256_is_stable_and_tracks_values(tmp_path):
    default = default_config().sha256()
    assert default == default_config().sha256()
    assert len(default) == 64
    # the source path is not part of the hash
    assert load_config(_write(tmp_path, "grid: {res_m: 100}\n")).sha256() == default
    changed = load_config(_write(tmp_path, "grid: {res_m: 50}\n"))
    assert changed.sha256() != default and changed.get("grid.res_m") == 50.0


def test_get_unknown_setting_suggests():
    with pytest.raises(ConfigError, match="did you mean 'grid.res_m'"):
        default_config().get("grid.res")


def test_template_writes_each_section_once_so_no_edit_is_lost(tmp_path):
    """YAML keeps only the last of two blocks with the same key: a user who filled a setting
    of a section written twice would see it silently dropped."""
    import re

    import yaml

    text = render_template()
    heads = re.findall(r"^([a-z_]+):\s*$", text, re.M)
    assert len(heads) == len(set(heads)), f"sections written twice: {heads}"
    edited = text.replace("  builtup: null", "  builtup: my/ghs_built_{epoch}.tif", 1)
    assert edited != text
    assert yaml.safe_load(edited)["data"]["builtup"] == "my/ghs_built_{epoch}.tif"
    for s in SETTINGS:  # every setting sits under its own section
        if s.section:
            assert s.key in yaml.safe_load(text)[s.section], s.name


def test_settings_types_file_is_not_stale():
    """mypy checks the engines against src/carlcities/_settings_types.py; it must match
    SETTINGS (regenerate with `python -m carlcities.config_docs`)."""
    assert config_docs.TYPES_PATH.read_text(encoding="utf-8") == render_types()


def test_settings_types_name_every_setting_with_its_type():
    from carlcities import _settings_types as T

    for s in SETTINGS:
        owner = T.StudyConfigFields if s.section is None else getattr(
            T, s.section.capitalize() + "Settings")
        assert s.key in owner.__annotations__, s.name
    assert T.GridSettings.__annotations__["res_m"] == "float"
    assert T.StudyConfigFields.__annotations__["grid"] == "GridSettings"
