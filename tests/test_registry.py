"""The indicator registry: registration, evaluation, metadata and the generated docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carlcities.errors import ConfigError
from carlcities.indicators import REGISTRY, Indicator, Value, all_indicators, indicator
from carlcities.indicators import registry as reg
from carlcities.indicators.docs import render

DOC = Path(__file__).resolve().parents[1] / "docs" / "indicators.md"
from carlcities.indicators.docs import THEMES  # noqa: E402
from carlcities.indicators.registry import UNITS  # noqa: E402


@pytest.fixture
def scratch(monkeypatch):
    """An empty registry for registering throw-away indicators."""
    monkeypatch.setattr(reg, "REGISTRY", {})
    return reg


def _meta(**kw):
    base = {
        "name_en": "Test",
        "name_ru": "Тест",
        "unit": "ratio",
        "reference": "ref",
        "method": "m",
        "inputs": ("a",),
    }
    base.update(kw)
    return base


def test_duplicate_id_raises(scratch):
    @scratch.indicator("test.one", **_meta())
    def one(a):
        return a

    with pytest.raises(ValueError, match="already registered"):

        @scratch.indicator("test.one", **_meta())
        def again(a):
            return a

    assert scratch.REGISTRY["test.one"].theme == "test"
    assert scratch.REGISTRY["test.one"].method_version == "test.one@1"
    assert scratch.REGISTRY["test.one"].func is one


def test_duplicate_of_real_indicator_raises():
    with pytest.raises(ValueError):
        indicator("form.builtup_density", **_meta())


def test_evaluate_picks_indicators_whose_inputs_are_present(scratch):
    scratch.indicator("test.a", **_meta(inputs=("a",)))(lambda a: a * 2)
    scratch.indicator("test.ab", **_meta(inputs=("a", "b")))(lambda a, b: a + b)
    scratch.indicator("test.p", **_meta(inputs=("a",), kind="pair"))(lambda a: a)
    scratch.indicator("test.nz", **_meta(inputs=("a",), zonal=False))(lambda a: a)
    scratch.indicator("test.nan", **_meta(inputs=("c",)))(lambda c: float("nan"))
    scratch.indicator("test.flag", **_meta(inputs=("c",)))(lambda c: (None, "undefined: x"))

    out = scratch.evaluate({"a": 2})
    assert out == {"test.a": Value(4.0), "test.nz": Value(2.0)}
    assert type(out["test.a"].value) is float
    assert set(scratch.evaluate({"a": 2, "b": 1})) == {"test.a", "test.ab", "test.nz"}
    assert set(scratch.evaluate({"a": 2, "b": None})) == {"test.a", "test.nz"}
    assert set(scratch.evaluate({"a": 2}, zonal_only=True)) == {"test.a"}
    assert set(scratch.evaluate({"a": 2}, kind="pair")) == {"test.p"}
    assert set(scratch.evaluate({"a": 2, "b": 1}, ids=["test.ab"])) == {"test.ab"}
    out = scratch.evaluate({"c": 1})
    assert out["test.nan"].value is None and out["test.nan"].flag.startswith("undefined")
    assert out["test.flag"] == Value(None, "undefined: x")
    with pytest.raises(ConfigError, match="test.nope"):
        scratch.evaluate({"a": 1}, ids=["test.nope"])


def test_every_indicator_is_documented():
    inds = all_indicators()
    assert [i.id for i in inds] == sorted(REGISTRY)
    assert len(inds) >= 30
    for ind in inds:
        assert isinstance(ind, Indicator)
        assert re.fullmatch(r"[a-z]+(\.[a-z0-9_]+)+", ind.id), ind.id
        assert ind.theme in THEMES, (ind.id, "add the theme to indicators/docs.py THEMES")
        assert ind.theme == ind.id.split(".")[0]
        assert re.search("[А-Яа-яЁё]", ind.name_ru), ind.id
        assert ind.name_en and ind.reference and ind.method, ind.id
        assert ind.unit in UNITS, (ind.id, ind.unit)
        assert ind.kind in ("epoch", "pair") and ind.higher_is in ("better", "worse", "neutral")
        assert ind.func.__doc__, ind.id
        assert ind.inputs
    assert {i.theme for i in all_indicators("growth")} == {"growth"}
    assert all(i.kind == "pair" for i in all_indicators("growth"))
    assert all(i.kind == "epoch" for i in all_indicators("form"))


def test_docs_are_up_to_date():
    assert DOC.exists(), "regenerate with: python -m carlcities.indicators.docs"
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/indicators.md is stale; regenerate with: python -m carlcities.indicators.docs"
    )
    for ind in all_indicators():
        assert f"`{ind.id}`" in render()
