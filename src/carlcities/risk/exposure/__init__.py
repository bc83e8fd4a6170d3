"""Building exposure of a city: assets by grid cell, building class and occupancy.

An :class:`Exposure` holds one asset per (grid cell, building class, occupancy): counts of
buildings, floor area [m²], replacement values [USD] split into structural, non-structural
and contents, and occupants by time of day [persons]. Three ways to get one:

* :func:`build_exposure` — from the city's population grid [persons/cell] and built-up share,
  with floor area per person (the carbon module's sourced value, so both modules see the same
  stock), the non-residential floor area, building-class mix, replacement costs and occupancy
  ratios of the GEM Global Exposure Model (Yepes-Estrada et al. 2023) for the city's own Adm1
  unit or, failing that, its country (``data/typology_mix.csv``, shares derived from GEM and
  packaged with attribution; CC BY-NC-SA 4.0);
* :func:`read_gem_exposure_csv` — a GEM exposure CSV as published;
* :func:`critical_facilities` — hospitals, schools and fire stations from OpenStreetMap, with
  an assumed building class.

Density rule (how the city mix is put on the grid)
--------------------------------------------------
Every GEM class carries a storeys class read from its taxonomy string: ``multi`` when every
building has 4 storeys or more (``HBET:4-7``, ``HBET:5-9``, ``HBET:8-``, ``HBET:9-12``: panel
and RC wall blocks), ``low`` when none has more than 3 (``H:1``, ``H:3``, ``HBET:1-2``,
``HBET:1-3``: adobe, brick, timber, mixed houses), ``mixed`` otherwise (``HBET:1-4``,
``HBET:1-10``, ``HBET:3-``, no height). Cells are ranked by net residential density
(population per m² of built-up surface) and given the percentile q = (rank − ½)/n ∈ (0, 1).
The floor area A[c, k] of class k in cell c is the matrix closest (in the sense of minimum
information) to the seed q for ``multi``, 1 − q for ``low`` and 1 for ``mixed`` that has
*both* margins: Σₖ A[c, k] = floor area of cell c, and Σ_c A[c, k] = GEM share of k × city
floor area. It is found by iterative proportional fitting (Deming & Stephan 1940) and finishes
with the column step, so the city totals of every class equal the GEM shares to rounding;
cell totals agree to 1e-9 (relative). The rule is a project choice: it puts tall classes in
dense cells and houses in sparse ones without making any cell single-class.

References
----------
Yepes-Estrada, C. et al. (2023). Global building exposure model for earthquake risk
assessment. Earthquake Spectra 39(4), doi:10.1177/87552930231194048; data:
github.com/gem/global_exposure_model @da2131a3 (CC BY-NC-SA 4.0).
Deming, W. E. & Stephan, F. F. (1940). On a least squares adjustment of a sampled frequency
table when the expected marginal totals are known. Ann. Math. Stat. 11:427.

Modules: ``model`` (the Exposure), ``mixes`` (GEM typology mixes), ``builder``
(exposure on the grid), ``gem_csv`` (GEM CSV), ``facilities`` (OSM critical facilities).
"""

from __future__ import annotations

from .builder import build_exposure, mix_unit
from .facilities import CriticalFacilities, critical_facilities
from .gem_csv import read_gem_exposure_csv
from .mixes import (
    MIX_COLUMNS,
    density_split,
    derive_typology_mix,
    load_typology_mix,
    write_typology_mix,
)
from .model import (
    CITY_UNITS,
    FACILITY_TYPOLOGY,
    GEM_COLUMNS,
    GEM_SOURCE,
    MACRO_CLASSES,
    OCCUPANCIES,
    QUANTITIES,
    Exposure,
    concat_exposures,
    join_exposures,
    macro_class,
    storeys_class,
)

__all__ = [
    "concat_exposures", "join_exposures", "mix_unit",
    "Exposure", "build_exposure", "read_gem_exposure_csv", "critical_facilities",
    "CriticalFacilities", "load_typology_mix", "macro_class", "storeys_class", "density_split",
    "OCCUPANCIES", "MACRO_CLASSES", "CITY_UNITS", "FACILITY_TYPOLOGY", "QUANTITIES", "GEM_COLUMNS",
    "GEM_SOURCE", "MIX_COLUMNS", "derive_typology_mix", "write_typology_mix"
]
