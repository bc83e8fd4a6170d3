"""The catalogue's populations beside an independent source (Natural Earth / GeoNames), and
the table of it in docs/catalogue.md kept in step with the shared file."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from carlcities.catalog import load_catalog

from .conftest import shared_file

DOC = Path(__file__).resolve().parents[1] / "docs" / "catalogue.md"


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    c = (math.sin(p1) * math.sin(p2)
         + math.cos(p1) * math.cos(p2) * math.cos(math.radians(lon1 - lon2)))
    return 6371.0 * math.acos(min(1.0, c))


def _matches() -> dict[str, tuple[int, int, int, int]]:
    ne = json.loads(shared_file(
        "natural_earth/ne_50m_populated_places_central_asia.geojson").read_text())
    cat = load_catalog()
    out = {}
    for f in ne["features"]:
        q = f["properties"]
        best = min(cat, key=lambda c: _km(q["LATITUDE"], q["LONGITUDE"], c.lat, c.lon))
        if _km(q["LATITUDE"], q["LONGITUDE"], best.lat, best.lon) <= 15.0:
            out[best.city_id] = (int(best.population), int(q["POP_MIN"]), int(q["POP_MAX"]),
                                 int(q["GN_POP"]))
    return out


def test_the_documented_crosscheck_table_matches_the_shared_file():
    got = _matches()
    rows = re.findall(r"^\| `(\w+)` \| ([\d,]+) \(\d{4}\) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| "
                      r"([\d.]+) \|$", DOC.read_text(), flags=re.M)
    documented = {r[0]: r for r in rows}
    assert set(documented) == set(got), "docs/catalogue.md cross-check table is stale"
    for cid, (pop, mn, mx, gn) in got.items():
        row = documented[cid]
        assert [int(x.replace(",", "")) for x in row[1:5]] == [pop, mn, mx, gn], cid
        assert float(row[5]) == round(pop / gn, 2), cid


def test_only_the_explained_boundary_changes_exceed_twice_the_independent_figure():
    big = {cid for cid, (pop, _mn, _mx, gn) in _matches().items() if pop / gn > 2.0}
    assert big == {"astana", "shymkent", "dushanbe", "aktobe"}
