"""The sourcing note (docs/carbon_sources.md) agrees with the data files it describes.

Counts of the remaining assumptions are taken from the files: an action-library field is an
assumption when it is listed in the action's ``assumed`` list (data/carbon_actions.yaml); a
parameter row is an assumption when its ``source`` says "project assumption"
(data/carbon_parameters.csv). The document must state the same numbers, and every value that
is not an assumption must cite a URL or a bibliographic reference.
"""

from __future__ import annotations

import csv
import re
from importlib import resources
from pathlib import Path

import pytest

from carlcities.carbon.actions import load_actions
from carlcities.carbon.parameters import load_parameters

DOC = Path(__file__).resolve().parents[1] / "docs" / "carbon_sources.md"
ASSUMPTION = "project assumption"
# a source cites something: a URL, a year, the project's fact sheet or data file, rows of
# the same file it is derived from, or a named publishing body
REFERENCE = re.compile(
    r"https?://|\b(1[89]|20)\d\d\b|parameters\.(csv|md)|\.xlsx|rows? above|"
    r"\b(Eurostat|ICAO|IPCC|World Bank|UNDP|IEA|IRENA|ICCT|EPA|LMOP|GHG Protocol)\b")


def _param_rows() -> list[dict[str, str]]:
    text = (resources.files("carlcities") / "data" / "carbon_parameters.csv").read_text(
        encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _is_assumption(source: str) -> bool:
    return ASSUMPTION in source.lower()


def count_assumptions() -> tuple[int, int]:
    """(action-library fields, parameter rows) that are still project assumptions."""
    fields = sum(len(a.get("assumed") or []) for a in load_actions())
    rows = sum(_is_assumption(r["source"]) for r in _param_rows())
    return fields, rows


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_document_counts_equal_file_counts(doc):
    fields, rows = count_assumptions()
    head = re.search(r"\*\*(\d+) action-library fields\*\*\s+and\s+\*\*(\d+) parameter rows\*\*",
                     doc)
    assert head, "the headline count sentence is missing from docs/carbon_sources.md"
    assert (int(head.group(1)), int(head.group(2))) == (fields, rows)
    sec_a = re.search(r"### Action library \(`carbon_actions\.yaml`\): (\d+) fields", doc)
    sec_p = re.search(r"### Parameters \(`carbon_parameters\.csv`\): (\d+) rows", doc)
    assert sec_a and int(sec_a.group(1)) == fields
    assert sec_p and int(sec_p.group(1)) == rows


def test_document_lists_every_assumed_field_per_action(doc):
    section = doc.split("### Action library", 1)[1].split("###", 1)[0]
    for a in load_actions():
        m = re.search(rf"^\| {re.escape(a.id)} \| (.*) \|$", section, re.M)
        assumed = a.get("assumed") or []
        if not assumed:
            assert m is None, f"{a.id} has no assumed field but is listed"
            continue
        assert m, f"{a.id} is missing from the table of remaining assumptions"
        assert len([x for x in m.group(1).split(";") if x.strip()]) == len(assumed), a.id


def test_document_lists_every_assumed_parameter_key(doc):
    section = doc.split("### Parameters (`carbon_parameters.csv`)", 1)[1]
    for r in _param_rows():
        if _is_assumption(r["source"]):
            assert f"`{r['key']}`" in section, f"{r['key']} ({r['country']}) not listed"


def test_assumed_fields_exist_and_are_marked_in_sources():
    for a in load_actions():
        for f in a.get("assumed") or []:
            assert f in a.spec, f"{a.id}: assumed field {f!r} is not a field of the action"
        if a.get("assumed"):
            assert any(ASSUMPTION in s or "not estimated" in s for s in a["sources"]), a.id


def test_sourced_rows_and_actions_cite_a_reference():
    for r in _param_rows():
        src = r["source"].strip()
        assert src, f"{r['key']} ({r['country']}) has no source"
        if _is_assumption(src) or r["confidence"].strip() == "scenario":
            continue
        assert REFERENCE.search(src), f"{r['key']} ({r['country']}): no URL or reference"
    for a in load_actions():
        for s in a["sources"]:
            if ASSUMPTION in s or "not estimated" in s:
                continue
            assert REFERENCE.search(s), f"{a.id}: source without URL or reference: {s[:60]}"


def test_sourced_values_keep_the_loader_units():
    p = load_parameters()
    # the floor area, bus and car rows changed here convert to what the activity model asks
    assert p.number("floor_area_per_person", "almaty", "KAZ", "m^2/person") == 30.4
    assert p.number("buses_per_1000", "astana", "KAZ", "vehicle/person") == \
        pytest.approx(0.78e-3)
    assert p.number("km_per_car", "osh", "KGZ", "km/vehicle/year") == 17500
    assert sum(p.mix("car_fuel_mix", "osh", "KGZ").values()) == pytest.approx(1.0)


def test_floor_use_split_rows_follow_the_packaged_gem_ratios():
    """The commercial floor ratio and residential floor share rows are the GEM unit ratios of
    risk/data/typology_mix.csv (Com / Res; Res / (Res + Com + Ind)), and the generic rows the
    median of the four capital units; recomputed here so the two files cannot drift apart."""
    import statistics

    text = (resources.files("carlcities") / "risk" / "data" / "typology_mix.csv").read_text(
        encoding="utf-8")
    ratio: dict[tuple[str, str], float] = {}
    for r in csv.DictReader(text.splitlines()):
        ratio[(r["unit"], r["occupancy"])] = float(r["floor_ratio_to_res"])
    units = {"KZ-ALA": "almaty", "UZ-TK": "tashkent", "TJ-DU": "dushanbe", "TM-S": "ashgabat"}
    com = {c: ratio[(u, "Com")] for u, c in units.items()}
    res = {c: 1.0 / (1.0 + ratio[(u, "Com")] + ratio[(u, "Ind")]) for u, c in units.items()}
    p = load_parameters()
    for c in units.values():
        assert p.number("commercial_floor_ratio", c, "") == pytest.approx(com[c], abs=5e-4)
        assert p.number("residential_floor_share", c, "") == pytest.approx(res[c], abs=5e-4)
    assert p.number("commercial_floor_ratio", "osh", "KGZ") == pytest.approx(
        statistics.median(com.values()), abs=5e-4)
    assert p.number("residential_floor_share", "osh", "KGZ") == pytest.approx(
        statistics.median(res.values()), abs=5e-4)
    # Astana's GEM unit is not used: its ratio (0.80) would be six times the others
    assert ratio[("KZ-AST", "Com")] > 0.5
    assert p.number("commercial_floor_ratio", "astana", "KAZ") < 0.2
