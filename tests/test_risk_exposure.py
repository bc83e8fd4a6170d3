"""Exposure: the Exposure container, the GEM-based builder, the GEM CSV reader, facilities."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from carlcities.errors import ExposureError
from carlcities.risk.exposure import (
    CITY_UNITS,
    Exposure,
    build_exposure,
    critical_facilities,
    density_split,
    derive_typology_mix,
    load_typology_mix,
    macro_class,
    read_gem_exposure_csv,
    storeys_class,
)
from tests.conftest import shared_file

GEM_KZ_RES = "gem/exposure_central_asia/Kazakhstan/Exposure_Res_Kazakhstan_Adm1.csv"


def two_assets(**over):
    kw = dict(site=[3, 1], x=[0, 0], y=[0, 0], lon=[76.9, 77.0], lat=[43.2, 43.2],
              taxonomy=[0, 1], taxonomies=("CR-PC", "MUR-ADO"), occupancy=["Res", "Com"],
              buildings=[2, 10], floor_area_m2=[5000, 800],
              value_structural=[1e6, 2e5], value_nonstructural=[5e5, 1e5],
              value_contents=[1e5, 5e4], occupants_day=[20, 40], occupants_night=[150, 1],
              occupants_transit=[30, 5])
    kw.update(over)
    return Exposure(**kw)


# ----------------------------------------------------------------------------- container
def test_exposure_totals_subset_scaled():
    ex = two_assets()
    assert ex.total_value == pytest.approx(1.6e6 + 3.5e5)
    np.testing.assert_allclose(ex.value("total"), [1.6e6, 3.5e5])
    s = ex.summary()
    assert s["CR-PC"]["floor_area_m2"] == 5000
    assert s["TOTAL"]["share_floor_area"] == pytest.approx(1.0)
    assert s["MUR-ADO"]["share_floor_area"] == pytest.approx(800 / 5800)
    sub = ex.subset(ex.occupancy == "Com")
    assert len(sub) == 1 and sub.total_value == pytest.approx(3.5e5)
    # growth factor per site number: site 1 × 2, site 3 × 0.5
    f = np.array([1.0, 2.0, 1.0, 0.5])
    sc = ex.scaled(f)
    np.testing.assert_allclose(sc.value_total, [0.8e6, 7.0e5])
    np.testing.assert_allclose(sc.occupants_night, [75, 2])
    assert ex.sorted_by_site().site.tolist() == [1, 3]


@pytest.mark.parametrize("over, word", [
    (dict(buildings=[-1, 10]), "negative"),
    (dict(value_contents=[np.nan, 1]), "NaN"),
    (dict(occupancy=["Res", "Agr"]), "occupancy"),
    (dict(site=[0, 1, 2]), "length"),
])
def test_exposure_validation(over, word):
    with pytest.raises(ExposureError, match=word if word != "length" else "values for") as e:
        two_assets(**over)
    assert "fix:" in str(e.value)


def test_macro_and_storeys_classes():
    assert macro_class("CR+PC/LWAL+CDL/HBET:5-9/RES") == "CR-PC"
    assert macro_class("EU+ETR/LWAL+CDN/H:1/RES") == "MUR-ADO"
    assert macro_class("MIX(MUR+W)/LWAL+CDL/HBET:1-2/RES") == "MIX-MUR-W"
    assert storeys_class("CR+CIP/LWAL+CDL/HBET:8-/RES") == "multi"
    assert storeys_class("MUR+CLBRS/LWAL+CDL/H:3/RES") == "low"
    assert storeys_class("MCF/LWAL+CDL/HBET:1-4/RES") == "mixed"
    assert storeys_class("MATO/RES") == "mixed"
    with pytest.raises(ExposureError):
        macro_class("UNK/XX")


# ----------------------------------------------------------------------------- density rule
def test_density_split_keeps_both_margins_and_sorts_by_density():
    floor = np.array([100.0, 300.0, 0.0, 600.0, 1000.0])
    dens = np.array([1.0, 5.0, 9.0, 2.0, 8.0])
    shares = np.array([0.5, 0.3, 0.2])
    A = density_split(floor, dens, shares, ["multi", "low", "mixed"])
    np.testing.assert_allclose(A.sum(0), shares * 2000.0, rtol=1e-12)
    np.testing.assert_allclose(A.sum(1), floor, rtol=1e-9)
    assert np.all(A[2] == 0)
    # multi-storey floor sits in denser cells than low-rise floor
    q = np.array([1, 3, 0, 2, 4]) - 0.5
    mean_q = (A * q[:, None]).sum(0) / A.sum(0)
    assert mean_q[0] > mean_q[2] > mean_q[1]


# ----------------------------------------------------------------------------- the packaged mix
def test_mix_city_shares_match_gem_reference():
    ref = shared_file("../reference/gem_calc/gem_city_macro_shares.csv")
    names = {"Precast RC": "CR-PC", "Cast-in-place RC frame": "CR-LFINF",
             "Cast-in-place RC wall": "CR-LWAL", "Unreinforced fired-brick": "MUR-CLBRS",
             "Confined": "MCF", "Adobe": "MUR-ADO", "Mixed": "MIX-MUR-W", "Timber": "W",
             "Steel": "S", "Other": "MATO"}
    n = 0
    with open(ref, newline="") as f:
        for r in csv.DictReader(f):
            if r["occupancy"] != "Res" or r["cls"] == "TOTAL":
                continue
            cid = next(v for k, v in names.items() if r["cls"].startswith(k))
            mix = load_typology_mix(r["unit"])["Res"]
            share = sum(m["share_floor_area"] for m in mix if m["class_id"] == cid)
            assert share == pytest.approx(float(r["share_area_pct"]) / 100, abs=6e-5)
            n += 1
    assert n == 60  # 6 units × 10 classes


def test_packaged_mix_is_reproducible_from_gem():
    gem = shared_file("gem/exposure_central_asia")
    rows = derive_typology_mix(gem)
    from importlib import resources

    text = (resources.files("carlcities.risk") / "data" / "typology_mix.csv").read_text()
    packaged = list(csv.DictReader(text.splitlines()))
    assert len(rows) == len(packaged)
    for a, b in zip(rows, packaged):
        assert {k: str(v) for k, v in a.items()} == b


# ----------------------------------------------------------------------------- builder
@pytest.fixture
def almaty_inputs():
    from carlcities.grid import CityGrid

    g = CityGrid.around("almaty", 76.928, 43.257, 1000.0, res=100.0)
    rng = np.random.default_rng(7)
    pop = rng.gamma(1.0, 100.0, g.shape)
    pop[0, :] = 0.0
    bu = np.clip(0.1 + rng.random(g.shape) * 0.8, 0, 1)
    return g, pop, bu


def test_build_exposure_of_some_occupancies_is_the_subset_of_the_full_one(almaty_inputs):
    """Built without the residential assets (EMCA gives those): the other assets of the full
    exposure, bit for bit and in the same order, with the same taxonomies and meta."""
    from dataclasses import fields

    g, pop, bu = almaty_inputs
    full = build_exposure("almaty", g, pop, bu, country_iso3="KAZ")
    want = full.subset(full.occupancy != "Res")
    got = build_exposure("almaty", g, pop, bu, country_iso3="KAZ", occupancies=("Com", "Ind"))
    assert len(got) == len(want) > 0 and set(got.occupancy) == {"Com", "Ind"}
    assert got.taxonomies == want.taxonomies and got.meta == want.meta
    for f in fields(got):
        if f.name not in ("taxonomies", "meta"):
            a, b = getattr(got, f.name), getattr(want, f.name)
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), f.name


def test_build_exposure_almaty_conserves_gem_shares(almaty_inputs):
    g, pop, bu = almaty_inputs
    ex = build_exposure("almaty", g, pop, bu, country_iso3="KAZ")
    assert ex.meta["unit"] == "KZ-ALA" and ex.meta["fallback"] is False
    # the carbon module's sourced value (city → country → region), whatever it is today
    from carlcities.carbon.parameters import load_parameters

    fpp = load_parameters().number("floor_area_per_person", "almaty", "KAZ", "m^2/person")
    assert ex.meta["floor_area_per_person_m2"] == fpp
    res = ex.occupancy == "Res"
    res_floor = pop.sum() * fpp
    assert ex.floor_area_m2[res].sum() == pytest.approx(res_floor, rel=1e-12)
    # commercial floor = residential × 5,211,164 / 27,013,085 (GEM Almaty occupancy totals)
    com = ex.occupancy == "Com"
    assert ex.floor_area_m2[com].sum() == pytest.approx(res_floor * 5211164 / 27013085,
                                                        rel=1e-7)
    # class totals keep the GEM shares exactly
    for occ, rows in load_typology_mix("KZ-ALA").items():
        m = ex.occupancy == occ
        tot = ex.floor_area_m2[m].sum()
        for r in rows:
            k = m & (ex.taxonomy_names == r["class_id"]) & (ex.storeys == r["storeys_class"])
            assert ex.floor_area_m2[k].sum() / tot == pytest.approx(r["share_floor_area"],
                                                                    rel=1e-9)
    # cell totals of residential floor area are population × floor area per person
    cell = np.bincount(ex.site[res], ex.floor_area_m2[res], minlength=pop.size)
    np.testing.assert_allclose(cell, pop.ravel() * fpp, rtol=1e-8, atol=1e-6)
    # GEM Almaty brick houses: structural 383.33 USD/m²; night/residents 686553/734736
    k = res & (ex.taxonomy_names == "MUR-CLBRS")
    assert ex.value_structural[k].sum() / ex.floor_area_m2[k].sum() == pytest.approx(383.33,
                                                                                   abs=0.01)
    residents = (pop.ravel()[ex.site[k]] * ex.floor_area_m2[k] /
                 (pop.ravel()[ex.site[k]] * fpp)).sum()
    assert ex.occupants_night[k].sum() / residents == pytest.approx(686553 / 734736, rel=1e-6)


def test_build_exposure_puts_panels_in_dense_cells(almaty_inputs):
    g, pop, bu = almaty_inputs
    ex = build_exposure("almaty", g, pop, bu, country_iso3="KAZ")
    res = ex.occupancy == "Res"
    dens = (pop / bu).ravel()[ex.site]

    def mean_density(cls):
        k = res & (ex.taxonomy_names == cls)
        return np.average(dens[k], weights=ex.floor_area_m2[k])

    assert mean_density("CR-PC") > mean_density("MCF") > mean_density("MUR-ADO")


def test_build_exposure_country_fallback(almaty_inputs):
    g, pop, bu = almaty_inputs
    ex = build_exposure("shymkent", g, pop, bu, country_iso3="KAZ")
    assert ex.meta["unit"] == "KAZ" and ex.meta["fallback"] is True
    assert ex.meta["mix_level"] == "country"
    assert CITY_UNITS["bishkek"] == "KG-C"


def test_build_exposure_rejects_bad_grids(almaty_inputs):
    g, pop, bu = almaty_inputs
    with pytest.raises(ExposureError, match="shape"):
        build_exposure("almaty", g, pop[:-1], bu, country_iso3="KAZ")
    bad = pop.copy()
    bad[1, 1] = -3
    with pytest.raises(ExposureError, match="negative"):
        build_exposure("almaty", g, bad, bu, country_iso3="KAZ")


# ----------------------------------------------------------------------------- GEM CSV
def test_read_gem_csv_almaty_buildings():
    p = shared_file(GEM_KZ_RES)
    ex = read_gem_exposure_csv(p)
    ala = ex.meta["id_1"] == "KZ-ALA"
    assert ex.buildings[ala].sum() == 164904  # gem_city_occupancy_totals.csv, Res
    assert ex.floor_area_m2[ala].sum() == 27013085
    assert set(ex.occupancy) == {"Res"}
    assert ex.recoded(macro_class).taxonomies == ("CR-LFINF", "CR-LWAL", "CR-PC", "MATO",
                                                  "MCF", "MIX-MUR-W", "MUR-ADO",
                                                  "MUR-CLBRS", "S", "W")


def test_read_gem_csv_needs_locations_for_a_grid():
    from carlcities.grid import CityGrid

    p = shared_file(GEM_KZ_RES)
    g = CityGrid.around("almaty", 76.928, 43.257, 3000.0, res=100.0)
    # only Almaty located: the first row (Akmola) has none
    with pytest.raises(ExposureError, match="row 2: unit 'KZ-AKM' has no location"):
        read_gem_exposure_csv(p, grid=g, locations={"KZ-ALA": (76.928, 43.257)})


def test_read_gem_csv_with_coordinates(tmp_path):
    from carlcities.grid import CityGrid

    src = shared_file(GEM_KZ_RES)
    rows = [r for r in csv.DictReader(open(src, newline="")) if r["ID_1"] == "KZ-ALA"]
    p = tmp_path / "ala.csv"
    with open(p, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    g = CityGrid.around("almaty", 76.928, 43.257, 3000.0, res=100.0)
    ex = read_gem_exposure_csv(p, grid=g, locations={"KZ-ALA": (76.928, 43.257)})
    r, c = g.centre_rowcol()
    assert set(ex.site.tolist()) == {r * g.width + c}
    with pytest.raises(ExposureError, match="outside"):
        read_gem_exposure_csv(p, grid=g, locations={"KZ-ALA": (70.0, 43.0)})


def test_read_gem_csv_errors(tmp_path):
    header = ("ID_0,NAME_0,ID_1,NAME_1,SETTLEMENT,OCCUPANCY,TAXONOMY,BUILDINGS,"
              "TOTAL_REPL_COST_USD,COST_STRUCTURAL_USD,COST_NONSTRUCTURAL_USD,"
              "COST_CONTENTS_USD,TOTAL_AREA_SQM,OCCUPANTS_PER_ASSET,OCCUPANTS_PER_ASSET_DAY,"
              "OCCUPANTS_PER_ASSET_NIGHT,OCCUPANTS_PER_ASSET_TRANSIT\n")
    good = "KAZ,Kazakhstan,KZ-X,X,Total,Res,W/LWAL+CDL/HBET:1-2/RES,10,60,30,20,10,500,40,5,30,9\n"
    bad = good.replace(",10,60,30", ",-10,60,30")
    p = tmp_path / "bad.csv"
    p.write_text(header + good + bad)
    with pytest.raises(ExposureError, match="row 3: BUILDINGS is negative") as e:
        read_gem_exposure_csv(p)
    assert "bad.csv" in str(e.value) and "fix:" in str(e.value)
    p.write_text(header.replace(",TOTAL_AREA_SQM", "") + good)
    with pytest.raises(ExposureError, match="TOTAL_AREA_SQM"):
        read_gem_exposure_csv(p)
    p.write_text(header + good)
    ex = read_gem_exposure_csv(p)
    assert ex.value_total.tolist() == [60.0] and ex.occupants_night.tolist() == [30.0]


# ----------------------------------------------------------------------------- facilities
def test_critical_facilities(tmp_path, small_grid):
    import osmium

    assert len(critical_facilities(None, small_grid)) == 0
    lon, lat = small_grid.lon, small_grid.lat
    path = tmp_path / "f.osm.pbf"
    h = osmium.io.Header()
    w = osmium.SimpleWriter(str(path), header=h, overwrite=True)
    for nid, dlon, tags in ((1, 0.0, {"amenity": "hospital"}), (2, 0.002, {"amenity": "school"}),
                            (3, 0.004, {"amenity": "fire_station"}),
                            (4, 0.006, {"amenity": "pharmacy"}), (5, 3.0, {"amenity": "school"})):
        w.add_node(osmium.osm.mutable.Node(id=nid, location=(lon + dlon, lat), tags=tags,
                                           version=1))
    w.close()
    fac = critical_facilities(path, small_grid)
    assert fac.counts() == {"hospital": 1, "school": 1, "fire_station": 1}
    assert dict(zip(fac.type, fac.taxonomy)) == {"hospital": "CR-LFINF", "school": "MUR-CLBRS",
                                                 "fire_station": "MUR-CLBRS"}
    r, c = small_grid.centre_rowcol()
    assert fac.site[fac.type == "hospital"][0] == r * small_grid.width + c
