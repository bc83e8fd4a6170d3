"""Form indicators: values worked by hand from zone aggregates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from carlcities.indicators import REGISTRY, Value, evaluate

# A toy zone (by hand):
#   population 60,000, of which 50,000 inside the urban extent
#   built-up surface (GHSL, Σ share × area) 600 ha; Atlas built-up cells in the extent 500 ha
#   extent 1,000 ha = 300 urban + 150 suburban + 50 rural (in captured) built-up
#                     + 350 fringe + 150 captured
#   openness: Σ(1 − b) = 30 over Σ w = 100 built-up cells in the extent
EPOCH = {
    "population": 60_000.0,
    "population_extent": 50_000.0,
    "builtup_surface_ha": 600.0,
    "builtup_extent_ha": 500.0,
    "extent_ha": 1_000.0,
    "urban_builtup_ha": 300.0,
    "suburban_builtup_ha": 150.0,
    "rural_builtup_ha": 50.0,
    "fringe_open_ha": 350.0,
    "captured_open_ha": 150.0,
    "openness_sum": 30.0,
    "builtup_cells_extent": 100.0,
}


def test_form_values_by_hand():
    v = evaluate(EPOCH)
    assert v["form.population"] == Value(60_000.0)
    assert v["form.builtup_area"] == Value(500.0)
    assert v["form.builtup_surface"] == Value(600.0)
    assert v["form.extent_area"] == Value(1_000.0)
    assert v["form.urban_builtup_area"] == Value(300.0)
    assert v["form.suburban_builtup_area"] == Value(150.0)
    assert v["form.rural_builtup_area"] == Value(50.0)
    assert v["form.fringe_open_area"] == Value(350.0)
    assert v["form.captured_open_area"] == Value(150.0)
    assert v["form.builtup_density"].value == pytest.approx(100.0)  # 50,000 / 500 ha
    assert v["form.extent_density"].value == pytest.approx(50.0)  # 50,000 / 1,000 ha
    assert v["form.saturation"].value == pytest.approx(0.5)  # 500 / 1,000
    assert v["form.openness"].value == pytest.approx(0.3)  # 30 / 100
    assert v["form.builtup_per_person"].value == pytest.approx(100.0)  # 600e4 / 60,000 m²
    # no shape input -> no compactness indices
    assert "form.proximity" not in v
    assert all(type(x.value) is float for x in v.values())


def test_division_by_zero_is_flagged():
    zero = dict(EPOCH, builtup_extent_ha=0.0, extent_ha=0, population=0.0)
    v = evaluate(zero)
    assert v["form.builtup_density"] == Value(None, "undefined: builtup_extent_ha is zero")
    assert v["form.extent_density"] == Value(None, "undefined: extent_ha is zero")
    assert v["form.saturation"] == Value(None, "undefined: extent_ha is zero")
    assert v["form.builtup_per_person"] == Value(None, "undefined: population is zero")


def test_numpy_inputs_give_plain_floats():
    v = evaluate({k: np.float32(x) for k, x in EPOCH.items()})
    assert type(v["form.builtup_density"].value) is float


def test_compactness_indicators_whole_city_only():
    r = 100
    y, x = np.mgrid[-r - 1 : r + 2, -r - 1 : r + 2]
    disc = x * x + y * y <= r * r
    inputs = dict(EPOCH, extent_mask=disc, res_m=100.0)
    v = evaluate(inputs)
    for key in ("form.proximity", "form.cohesion", "form.spin", "form.exchange"):
        assert v[key].value == pytest.approx(1.0, rel=0.01)
        assert REGISTRY[key].zonal is False
        assert REGISTRY[key].unit == "index"
    zonal = evaluate(inputs, zonal_only=True)
    assert "form.proximity" not in zonal and "form.builtup_density" in zonal
    empty = evaluate({"extent_mask": np.zeros((3, 3), dtype=bool), "res_m": 100.0})
    assert empty["form.cohesion"] == Value(None, "undefined: extent_mask is empty")


def test_compactness_cache_distinguishes_masks():
    a = np.zeros((50, 50), dtype=bool)
    a[10:40, 10:40] = True
    b = np.zeros((50, 50), dtype=bool)
    b[20:25, 0:50] = True
    va = evaluate({"extent_mask": a, "res_m": 10.0})["form.spin"].value
    vb = evaluate({"extent_mask": b, "res_m": 10.0})["form.spin"].value
    assert va is not None and vb is not None and vb < va
    # square: spin = (r²/2)/(s²/6) with r² = s²/π -> 3/π = 0.9549 (continuous)
    assert va == pytest.approx(3 / math.pi, rel=0.01)
