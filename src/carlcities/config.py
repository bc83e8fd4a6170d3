"""The study configuration: every setting declared once, in :data:`SETTINGS`.

The pydantic models that validate the YAML file, the template written by ``carlcities init``,
``docs/configuration.md`` and the typed view of the settings (``_settings_types.py``, for
mypy) are all generated from that one declaration (:mod:`carlcities.config_docs`; regenerate
with ``python -m carlcities.config_docs``).
"""

from __future__ import annotations

import copy
import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    create_model,
)

from carlcities.errors import ConfigError
from carlcities.files import sha256_text

__all__ = ["SECTIONS", "SETTINGS", "Setting", "StudyConfig", "default_config", "load_config",
           "resolve_path", "type_text"]

@dataclass(frozen=True)
class Setting:
    """One setting: its dotted ``name``, annotation, default, unit [''] and a teaching ``help``."""

    name: str
    type: Any
    default: Any
    unit: str = ""
    help: str = ""
    choices: tuple[str, ...] = ()  # when given, the (str or list[str]) type is narrowed to them
    ge: float | None = None
    gt: float | None = None
    le: float | None = None

    @property
    def section(self) -> str | None:
        return self.name.split(".")[0] if "." in self.name else None

    @property
    def key(self) -> str:
        return self.name.split(".")[-1]

    @property
    def annotation(self) -> Any:
        if not self.choices:
            return self.type
        lit: Any = Literal[self.choices]  # type: ignore[name-defined]
        return list[lit] if get_origin(self.type) is list else lit


def _sorted_unique(v: list[int]) -> list[int]:
    if v != sorted(set(v)):
        raise ValueError("epochs must be in increasing order without duplicates")
    return v


_Epochs = Annotated[list[Annotated[int, Field(ge=1975, le=2030)]], Field(min_length=1),
                    AfterValidator(_sorted_unique)]
_Path = str | None

#: Section name -> (English title, Russian title).
SECTIONS: dict[str, tuple[str, str]] = {
    "study": ("the study", "исследование"),
    "data": ("input data", "входные данные"),
    "grid": ("city grid", "сетка города"),
    "form": ("urban form", "городская форма"),
    "growth": ("urban growth", "рост города"),
    "environment": ("urban environment", "городская среда"),
    "economy": ("economic activity", "экономическая активность"),
    "carbon": ("greenhouse gases", "парниковые газы"),
    "mobility": ("street networks and access", "уличные сети и доступность"),
    "risk": ("multi-hazard risk", "мультиопасный риск"),
    "scenarios": ("urban growth scenarios to 2050", "сценарии роста города до 2050 года"),
    "appraisal": ("appraisal of options and recommendations", "оценка мер и рекомендации"),
    "run": ("running", "выполнение"),
    "scorecard": ("disaster resilience scorecard and surveys",
                  "оценка устойчивости к бедствиям и опросы"),
}

SETTINGS: tuple[Setting, ...] = (
    Setting("study.name", str, "central_asia_demo", help="The study's name. The results store "
            "remembers it and refuses to mix the results of two studies in one output directory."),
    Setting("study.title_en", str, "Resilient and low-carbon cities of Central Asia",
            help="Title of the study in English, shown on the report."),
    Setting("study.title_ru", str, "Устойчивые и низкоуглеродные города Центральной Азии",
            help="Title of the study in Russian, shown on the report."),
    Setting("cities", list[str] | None, None, help="City ids or names from the catalogue to "
            "study; null studies every city in the catalogue."),
    Setting("epochs", _Epochs, [1990, 2000, 2010, 2020], "year", help="Years of the built-up and "
            "population layers; at least one, in increasing order without duplicates, 1975-2030."),
    Setting("data.source", str, "demo", choices=("demo", "files"), help="Where the input layers "
            "come from: demo = the synthetic demo region; files = the path patterns below."),
    Setting("data.demo_dir", _Path, None, help="Directory where the demo data set is written and "
            "cached; null = a cache shared by every run of this user, "
            "$CARLCITIES_CACHE_DIR/demo (default ~/.cache/carlcities/demo), or OUT/demo when it "
            "cannot be created."),
    Setting("data.builtup", _Path, None, help="Path pattern of the built-up surface rasters (GHSL "
            "GHS-BUILT-S); may contain {epoch} and {city_id}. Relative paths are relative to this "
            "file."),
    Setting("data.population", _Path, None, help="Path pattern of the population rasters (GHSL "
            "GHS-POP or WorldPop); same placeholders and relative-path rule as data.builtup."),
    Setting("data.dem", _Path, None, help="Optional path pattern of a digital elevation model; "
            "same placeholders as data.builtup."),
    Setting("data.districts", dict[str, str], {}, help="City id -> vector file of its districts "
            "(GeoPackage, GeoJSON, Shapefile or GeoParquet)."),
    Setting("data.district_name_field", _Path, None, help="Attribute holding the district names; "
            "null = guess from name_en, ADM2_EN, name, NAME, ..."),
    Setting("data.scorecards", dict[str, str], {}, help="City id -> disaster resilience "
            "scorecard answers file (YAML, CSV or Excel workbook; see docs/scorecard.md)."),
    Setting("data.surveys", list[str], [], help="Stakeholder survey files (CSV or Excel) with "
            "AHP pairwise comparisons and Likert priorities; each stakeholder profile becomes a "
            "weight profile OUT/exports/weights_PROFILE.json."),
    Setting("data.scorecards_dir", _Path, None, help="Directory of scorecard answers files "
            "(YAML, CSV or Excel), each naming its city_id and level: where the study portal "
            "exports the answers edited in the browser (OUT/portal/scorecards, see "
            "docs/portal.md); read with data.scorecards, whose file wins for the same city and "
            "level."),
    Setting("data.surveys_dir", _Path, None, help="Directory of stakeholder survey files (CSV "
            "or Excel), read with data.surveys: where the study portal exports the surveys "
            "answered in the browser (OUT/portal/surveys)."),
    Setting("grid.res_m", float, 100.0, "m", gt=0, help="Cell size of the city grid."),
    Setting("grid.buffer_km", float, 3.0, "km", ge=0, help="Margin added around the expected "
            "urban extent when sizing the study square."),
    Setting("grid.design_density", float, 40.0, "persons/ha", gt=0, help="Density used to "
            "estimate the expected urban extent (population / density) that sizes the study "
            "square."),
    Setting("grid.size_factor", float, 2.0, gt=0, help="Half-side of the study square as a "
            "multiple of the radius of the expected urban extent (before the buffer)."),
    Setting("form.builtup_threshold", float, 0.2, "share", gt=0, le=1, help="A cell is built-up "
            "when its built-up surface share reaches this value (GHSL BUILT-S to the binary "
            "built-up layer of the Atlas of Urban Expansion); in (0, 1]."),
    Setting("form.walk_radius_m", float, 564.19, "m", gt=0, help="Radius of the 1 km2 "
            "walking-distance circle that classifies built-up cells as urban, suburban or rural "
            "(Atlas of Urban Expansion)."),
    Setting("form.fringe_m", float, 100.0, "m", ge=0, help="Open space within this distance of "
            "urban or suburban built-up cells is fringe open space."),
    Setting("form.captured_max_ha", float, 200.0, "ha", ge=0, help="Open-space patches enclosed by "
            "the urban extent and smaller than this are captured open space."),
    Setting("growth.pgr_epsilon", float, 0.0005, "1/yr", ge=0, help="When the annual population "
            "growth rate is at or below this, LCRPGR is reported undefined and the change in "
            "built-up area per person (dC) stands in (Angel et al. 2024)."),
    Setting("data.landcover", _Path, None, help="Optional path pattern of land-cover rasters "
            "(ESA WorldCover codes); may contain {year} and {city_id}."),
    Setting("data.ndvi", _Path, None, help="Optional path pattern of NDVI rasters (MODIS MOD13 "
            "from AppEEARS, or float NDVI); {year} and {city_id}."),
    Setting("data.pm25", _Path, None, help="Optional path pattern of annual PM2.5 grids (ACAG "
            "V5.GL/V6.GL NetCDF or GeoTIFF, SEDAC V4.GL.03); {year} and {city_id}."),
    Setting("data.lst", _Path, None, help="Optional path pattern of land-surface temperature "
            "rasters (MODIS MOD11/MYD11, Landsat C2 ST; K or deg C); {year} and {city_id}."),
    Setting("data.lights", _Path, None, help="Optional path pattern of VIIRS VNL annual night "
            "lights; {year} and {city_id}."),
    Setting("data.gdp", _Path, None, help="Optional path pattern of gridded GDP (Kummu et al. "
            "2018 NetCDF or 2025 GeoTIFF); {year} and {city_id}."),
    Setting("data.env_years", list[int], [2014, 2020, 2021], "year", help="Years tried in the "
            "data.landcover ... data.gdp patterns; missing files are skipped."),
    Setting("environment.green_min_ha", float, 0.5, "ha", ge=0, help="Smallest green patch "
            "counted for access to green space (WHO Europe 2016: 0.5-1 ha)."),
    Setting("environment.green_access_m", float, 300.0, "m", gt=0, help="Distance to green "
            "space within which residents have access (WHO Europe 2016)."),
    Setting("environment.rural_ring_inner_km", float, 2.0, "km", ge=0, help="Inner edge of the "
            "rural ring, measured from the urban extent, for the surface urban heat island."),
    Setting("environment.rural_ring_outer_km", float, 5.0, "km", gt=0, help="Outer edge of the "
            "rural ring, measured from the urban extent."),
    Setting("environment.lst_thresholds_c", list[int], [35, 40, 45], "deg C", help="Land-surface "
            "temperature thresholds for population exposure; each one of 30, 35, 40, 45, 50."),
    Setting("environment.lst_min_coverage", float, 0.6, "share", ge=0, le=1, help="Smallest share "
            "of the urban extent and rural ring with valid land-surface temperature (cloud gaps, "
            "fill values); below it the heat indicators are refused."),
    Setting("economy.centre_radius_km", float, 2.0, "km", gt=0, help="Radius around the main "
            "centre (peak of night lights) for monocentricity."),
    Setting("carbon.gwp", str, "ar5", choices=("ar5", "ar6"), help="Set of 100-year global "
            "warming potentials used for CO2e (IPCC AR5: CH4 28, N2O 265; AR6: CH4 29.8 fossil / "
            "27.0 non-fossil, N2O 273)."),
    Setting("carbon.base_year", int, 2020, "year", ge=1990, le=2030, help="Year of the GPC "
            "inventory; the pathways run from it to 2050."),
    Setting("carbon.discount_rate", float, 0.06, "1/yr", gt=0, le=0.5, help="Real discount rate "
            "for annualised capital costs and cost per tonne of the low-carbon actions."),
    Setting("carbon.chp_allocation", str, "efficiency", choices=("efficiency", "energy"),
            help="How emissions of combined heat and power plants are split between heat and "
            "power (GHG Protocol CHP guidance: efficiency method, or energy-content method)."),
    Setting("data.activity", dict[str, str], {}, help="City id -> CSV or Excel file of activity "
            "data (columns sector, subsector, activity, fuel, value, unit; optional vehicle_class, "
            "year, source) that replaces the proxy defaults line by line; units are checked."),
    Setting("data.osm", _Path, None, help="Optional path pattern of OpenStreetMap PBF extracts "
            "(e.g. from Geofabrik); may contain {city_id}. The demo writes a synthetic one per "
            "city."),
    Setting("data.gtfs", dict[str, str], {}, help="City id -> GTFS feed (zip or folder) for "
            "the share of residents near frequent public transport."),
    Setting("mobility.walk_speed_kmh", float, 4.8, "km/h", gt=0, help="Walking speed that "
            "turns 15 minutes into a distance (4.8 km/h: 1,200 m)."),
    Setting("mobility.snap_max_m", float, 500.0, "m", gt=0, help="Population cells and "
            "destinations farther than this from the street network have no network access "
            "(reported as such)."),
    Setting("mobility.consolidate_m", float, 10.0, "m", gt=0, help="Tolerance for merging "
            "intersections (OSMnx consolidate_intersections): clean intersection counts and "
            "densities."),
    Setting("mobility.thresholds_m", list[int], [500, 1000], "m", help="Walking distances for "
            "the access shares, each 500 or 1000 (15 minutes is always reported)."),
    Setting("mobility.green_min_ha", float, 0.5, "ha", ge=0, help="Smallest public green "
            "space counted for access to green space within 15 minutes."),
    Setting("run.workers", int | None, None, ge=1, help="Number of local worker processes; "
            "null = as many as the usable CPU cores, the available memory (1 GiB per worker) "
            "and the cities allow (the estimate is in manifest.json, workers_estimate)."),
    Setting("run.engines", list[str], ["environment", "mobility", "carbon", "risk", "scenarios"],
            help="Theme engines run after urban form and growth: environment and economy (green "
            "space, PM2.5, heat, night lights), mobility and access (OSM street network), carbon "
            "(GPC inventory, pathways, actions), risk (earthquake, flood, mudflow, heat: "
            "exposure, hazard, losses, lives), scenarios (urban growth to 2050 and its effects), "
            "and any engine installed as a plug-in (`carlcities engines` lists them). They run "
            "in the order their needs give (scenarios after risk, carbon and mobility). An "
            "empty list runs the spine only."),
    Setting("run.appraisal", bool, True, help="After the cities, appraise the options of every "
            "city together (cost-benefit, multi-criteria, SMAA-2), build the typology and write "
            "the recommendations. Needs the carbon and risk engines for the full option set."),
    Setting("run.scheduler", _Path, None, help="Address of a dask.distributed scheduler "
            "(tcp://host:8786) to run on a cluster instead of local processes; null = local."),
    Setting("data.earthquake_catalogue", _Path, None, help="Earthquake catalogue (NOAA NCEI "
            "significant earthquakes TSV or USGS Centennial text) to fit the Gutenberg-Richter "
            "sources of each city; null uses the packaged source parameters fitted from those "
            "catalogues (src/carlcities/risk/data/seismic_sources.csv)."),
    Setting("data.hazard_curves", _Path, None, help="Optional path pattern of authoritative "
            "earthquake hazard curves on rock (OpenQuake hazard-curve CSV, in the IMT of the "
            "vulnerability) with {city_id}; gives the classical EAL risk.eq_eal_authoritative "
            "beside the event-based one."),
    Setting("data.hazard_maps", _Path, None, help="Optional path pattern of authoritative "
            "earthquake hazard maps on rock with {city_id} and {rp} (the return period in "
            "years): one GeoTIFF per return period (GEM global hazard map, World Bank 2023 "
            "Central Asia maps; tag units required) or an OpenQuake hazard-map CSV (then {rp} "
            "may be left out: the file holds every return period). Used when no "
            "data.hazard_curves is given."),
    Setting("data.hazard_ruptures", _Path, None, help="Optional path pattern with {city_id} of "
            "an OpenQuake event-based ruptures CSV (ruptures_*.csv, engine 3.11 or later): its "
            "ruptures, each repeated by its multiplicity, replace our stochastic catalogues in "
            "the event-based losses (ground motion from risk.gmpe); investigation_time x "
            "ses_per_logic_tree_path of its first line is the duration."),
    Setting("data.hazard_gmfs", _Path, None, help="Optional path pattern with {city_id} of "
            "OpenQuake ground-motion fields (gmf-data_*.csv with sitemesh_*.csv beside it, "
            "engine 3.11 or later) in the vulnerability's IMT (and the fatality model's): the "
            "event-based losses use them as they are, each exposure site taking its nearest GMF "
            "site (within 10 km). The duration comes from data.hazard_ruptures or "
            "data.hazard_gmf_years."),
    Setting("data.hazard_gmf_years", float | None, None, "yr", gt=0.0, help="Years the "
            "data.hazard_gmfs events represent (investigation_time x ses_per_logic_tree_path) "
            "when no data.hazard_ruptures file gives them."),
    Setting("data.hazard_return_periods", list[int], [475, 975, 2475], "yr", help="Return "
            "periods of the data.hazard_maps files tried for each city (two or more found "
            "make a hazard curve)."),
    Setting("data.hazard_vs30", float, 760.0, "m/s", ge=150.0, le=1500.0, help="Vs30 of the "
            "reference rock of data.hazard_curves / data.hazard_maps (GEM global map: 800)."),
    Setting("data.flood_depth", _Path, None, help="Optional path pattern of flood depth rasters "
            "[m], with {city_id} and {rp} (the return period in years), e.g. "
            "hazard/{city_id}/flood_depth_rp{rp}.tif."),
    Setting("data.flood_return_periods", list[int], [10, 50, 100, 500], "yr", help="Return "
            "periods of the flood depth rasters tried for each city."),
    Setting("data.mudflow", _Path, None, help="Optional path pattern of a mudflow (debris-flow) "
            "hazard map (GeoTIFF: classes 0-3 or 0/1) with {city_id}; without one, run-out "
            "corridors are derived from the DEM."),
    Setting("data.vs30", _Path, None, help="Optional path pattern of a Vs30 site model [m/s] "
            "with {city_id}; without one, Vs30 comes from the DEM slope (Wald & Allen 2007)."),
    Setting("data.tmax_daily", _Path, None, help="Optional path pattern of a daily temperature "
            "series (CSV: date, tmax [deg C]) with {city_id}, for heat days and excess deaths."),
    Setting("data.exposure", _Path, None, help="Optional path pattern of an exposure model in "
            "the GEM global exposure model CSV format (with LONGITUDE/LATITUDE columns) with "
            "{city_id}; without one, exposure is built from the grid's population and built-up "
            "surface with GEM typology mixes."),
    Setting("data.vulnerability", dict[str, str], {}, help="Loss category (structural, "
            "occupants) -> OpenQuake NRML 0.5 vulnerability model; empty uses the packaged "
            "illustrative curves. Give data.taxonomy_mapping with GEM models."),
    Setting("data.taxonomy_mapping", _Path, None, help="GEM taxonomy mapping CSV (taxonomy, "
            "conversion, weight) from exposure taxonomies to vulnerability function ids."),
    Setting("risk.residential_exposure", str, "emca", choices=("emca", "grid"),
            help="Residential buildings of the earthquake exposure: emca = the EMCA residential "
            "exposure (GFZ Potsdam, Pittore, Haas & Silva 2020, MIT licence; the packaged "
            "per-city extract, or risk.emca_dir) spread over the grid by its residents, with "
            "the grid's commercial and industrial buildings; grid = all buildings from the "
            "grid's population and built-up surface with GEM typology mixes. emca falls back "
            "to grid where EMCA cells hold under 90 % of the grid's residents, where "
            "data.exposure is given, and with the user's vulnerability models."),
    Setting("risk.emca_dir", _Path, None, help="Folder of the full EMCA exposure data "
            "package (exposure_cvt_<iso3>_pw10_*.csv and cvt_<iso3>.shp of the five countries) "
            "to use instead of the packaged per-city extract."),
    Setting("risk.gmpe", str, "bssa2014", choices=("bssa2014",), help="Spectral ground-motion "
            "model for PGA and SA(T): Boore, Stewart, Seyhan & Atkinson 2014."),
    Setting("risk.source_radius_km", float, 300.0, "km", gt=0, help="Radius of the area source "
            "around each city whose catalogue events give its Gutenberg-Richter rates."),
    Setting("risk.mmin", float, 5.0, "Mw", ge=4.0, le=7.0, help="Smallest magnitude of the "
            "stochastic event set."),
    Setting("risk.realisations", int, 10, ge=1, help="Stochastic earthquake catalogues of "
            "1,000 years sampled from the event set (each occurrence with its own between- and "
            "within-event ground-motion residuals); the loss intervals are the spread between "
            "them."),
    Setting("risk.time_of_day", str, "night", choices=("day", "night", "transit"),
            help="Occupancy used for fatalities."),
    Setting("risk.years", list[int], [2020, 2030, 2040, 2050], "year", help="Years of the risk "
            "trajectories (exposure grows with population; heat and flood change with climate)."),
    Setting("risk.climate_scenarios", list[str], ["ssp245", "ssp585"], choices=("historical",
            "ssp245", "ssp585"), help="Climate scenarios of the heat and flood trajectories."),
    Setting("risk.heat_thresholds_c", list[int], [35, 40], "deg C", help="Daily maximum "
            "temperatures whose days per year are counted."),
    Setting("risk.seed", int, 20231, help="Seed of every random draw of the risk engine (same "
            "seed, same results)."),
    Setting("scenarios.names", list[str], ["bau_sprawl", "compact", "tod", "risk_aware"],
            help="Urban growth scenarios run for every city: the packaged ones "
            "(bau_sprawl, compact, tod, risk_aware) or ids of files in scenarios.dirs."),
    Setting("scenarios.dirs", list[str], [], help="Extra folders with scenario YAML files."),
    Setting("scenarios.epochs", list[int], [2030, 2040, 2050], "year", help="Decades to which "
            "growth is allocated."),
    Setting("scenarios.seed", int, 2050, help="Seed of the allocator's tie-breaking."),
    Setting("data.population_overrides", _Path, None, help="Optional CSV (city_id, year, "
            "population) whose values replace the projected population."),
    Setting("appraisal.discount_rate", float, 0.06, "1/yr", gt=0, le=0.5, help="Real social "
            "discount rate of the cost-benefit analysis."),
    Setting("appraisal.smaa_samples", int, 10000, ge=100, help="Monte Carlo samples of SMAA-2."),
    Setting("appraisal.budget_share_gdp", float, 0.01, "share", gt=0, le=1, help="Budget of the "
            "portfolio as a share of one year of the city's GDP (or of population x national "
            "GDP per person when no GDP layer is given)."),
    Setting("scorecard.gap_threshold", float, 0.5, "share", ge=0, le=1, help="An Essential "
            "scoring below this share of its highest possible score is a gap and gets a "
            "recommendation."),
    Setting("scorecard.demo", bool, True, help="When data.source is demo, use the synthetic "
            "demo scorecards and surveys for cities without configured ones."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelled key is an error, at every level


class _StudyBase(_Section):
    """Methods of the root configuration model."""

    _source_path: Path | None = PrivateAttr(default=None)
    @property
    def source_path(self) -> Path | None:
        """The YAML file this configuration was read from (None for the bundled default)."""
        return self._source_path

    def sha256(self) -> str:
        """SHA-256 of the canonical JSON of every setting (the source path is not part of it)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return sha256_text(text)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as its settings and source path (the model classes are built at run time),
        so a configuration travels to worker processes as it is."""
        return (_rebuild, (self.model_dump(mode="json"), self._source_path))

    def get(self, dotted_name: str) -> Any:
        """The value of a setting by its dotted name, e.g. ``cfg.get("grid.res_m")``."""
        if dotted_name not in _BY_NAME:
            raise ConfigError(f"unknown setting {dotted_name!r}", fix=_suggest(dotted_name))
        value: Any = self
        for part in dotted_name.split("."):
            value = getattr(value, part)
        return value


def _field(s: Setting) -> tuple[Any, Any]:
    return (s.annotation, Field(default_factory=lambda d=s.default: copy.deepcopy(d), ge=s.ge,
                                gt=s.gt, le=s.le, description=s.help,
                                json_schema_extra={"unit": s.unit}))


def _build() -> type[_StudyBase]:
    sections: dict[str, dict[str, Any]] = {}
    root: dict[str, Any] = {}
    for s in SETTINGS:
        (sections.setdefault(s.section, {}) if s.section else root)[s.key] = _field(s)
    for sec, fields in sections.items():
        model = create_model(f"{sec.capitalize()}Config", __base__=_Section, **fields)
        root[sec] = (model, Field(default_factory=model, description=SECTIONS[sec][0]))
    return create_model("StudyConfig", __base__=_StudyBase, **root)


if TYPE_CHECKING:  # the models are built at run time; mypy sees their generated typed view
    from carlcities._settings_types import StudyConfigFields

    class StudyConfig(_StudyBase, StudyConfigFields):  # type: ignore[misc]
        ...
else:
    StudyConfig = _build()


def _rebuild(data: dict[str, Any], source_path: Path | None) -> StudyConfig:
    cfg = StudyConfig.model_validate(data)
    cfg._source_path = source_path
    return cfg


def type_text(tp: Any) -> str:
    """Readable name of a type annotation, e.g. ``list of integers or null``."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        return type_text(args[0])
    if origin is Literal:
        return " or ".join(repr(a) for a in args)
    if origin is list:
        return f"list of ({type_text(args[0])})" if get_origin(args[0]) is Literal \
            else f"list of {type_text(args[0])}s"
    if origin is dict:
        return f"mapping of {type_text(args[0])} to {type_text(args[1])}"
    if args:  # Union
        return " or ".join(type_text(a) for a in args)
    return {float: "number", int: "integer", str: "string", type(None): "null"}.get(tp, str(tp))


def _suggest(dotted: str) -> str:
    names = list(_BY_NAME) + list(SECTIONS)
    leaf = dotted.split(".")[-1]
    near = difflib.get_close_matches(dotted, names, n=1, cutoff=0.6) or [
        n for n in names if n.split(".")[-1] == leaf]
    hint = f"did you mean {near[0]!r}? " if near else ""
    return f"{hint}Rename or remove the key (every setting is listed in docs/configuration.md)"


def _line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """1-based line of the deepest YAML node found along a pydantic error ``loc``."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if str(k.value) == str(part)]
            if not match:
                break
            line, node = match[-1][0].start_mark.line + 1, match[-1][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _problem(err: Any, root: yaml.Node | None) -> tuple[int, str, str]:
    """(line, what is wrong, the fix) for one pydantic error."""
    loc = tuple(err["loc"])
    dotted = ".".join(str(p) for p in loc)
    line = _line(root, loc)
    if err["type"] == "extra_forbidden":
        return line, f"line {line}: unknown setting {dotted!r}", _suggest(dotted)
    msg = err["msg"].removeprefix("Value error, ")
    names = [n for n in _BY_NAME if dotted == n or dotted.startswith(n + ".")]
    if not names:  # a whole section of the wrong shape
        keys = ", ".join(s.key for s in SETTINGS if s.section == dotted)
        return line, f"line {line}: {dotted}: {msg}", f"make {dotted} a mapping of {keys}"
    s = _BY_NAME[names[0]]
    unit = f" [{s.unit}]" if s.unit else ""
    got = f" (got {err['input']!r})" if not isinstance(err["input"], (dict, list)) else ""
    return line, (f"line {line}: {dotted}: {msg}{got}; expected {type_text(s.annotation)}{unit}"), (
        f"correct the value, or delete the line to use the default "
        f"{json.dumps(s.default, ensure_ascii=False)}")


def _no_duplicate_keys(node: yaml.Node | None, path: Path) -> None:
    """A key given twice in one mapping is an error (YAML keeps the last one silently)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for k, v in node.value:
            key = str(k.value)
            line = k.start_mark.line + 1
            if key in seen:
                raise ConfigError(f"line {line}: the key {key!r} is given twice (first on line "
                                  f"{seen[key]})", path=path,
                                  fix="keep one of the two lines (YAML would silently use the "
                                      "last)")
            seen[key] = line
            _no_duplicate_keys(v, path)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            _no_duplicate_keys(v, path)


def _parse(path: Path) -> tuple[Any, yaml.Node | None]:
    if not path.is_file():
        raise ConfigError("configuration file not found", path=path,
                          fix="check the path, or run `carlcities init` to write a template")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not a UTF-8 text file (byte {exc.start})", path=path,
                          fix="save the configuration as UTF-8 YAML") from None
    try:
        root = yaml.compose(text)
        _no_duplicate_keys(root, path)
        return yaml.safe_load(text), root
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}YAML syntax error: {problem}", path=path,
                          fix="fix the YAML at that line (indent with spaces, 'key: value', "
                              "quote strings containing ':' or '#')") from None


def load_config(path: str | Path | None = None) -> StudyConfig:
    """Read and validate a study configuration; ``None`` gives the bundled default.

    Raises :class:`ConfigError` naming the file, the line, what is wrong and the fix.
    """
    if path is None:
        return default_config()
    path = Path(path)
    data, root = _parse(path)
    if data is None:
        raise ConfigError("the configuration file is empty", path=path,
                          fix="write the settings to change into it (`carlcities init` writes "
                              "a template with every setting), or leave out --config to run the "
                              "bundled study")
    if not isinstance(data, dict):
        raise ConfigError(f"line 1: the top level must be a mapping of settings, not "
                          f"{type(data).__name__}", path=path,
                          fix="start from the template written by `carlcities init`")
    try:
        cfg = StudyConfig.model_validate(data)
    except ValidationError as exc:
        problems = sorted(_problem(e, root) for e in exc.errors())
        if len(problems) == 1:
            raise ConfigError(problems[0][1], path=path, fix=problems[0][2]) from None
        lines = [f"{what}\n    fix: {fix}" for _, what, fix in problems]
        raise ConfigError("\n  ".join([f"{len(lines)} problems"] + lines), path=path) from None
    cfg._source_path = path.resolve()
    return cfg


def default_config() -> StudyConfig:
    """The bundled default: the Central Asia study on the demo region."""
    return StudyConfig()


def resolve_path(cfg: StudyConfig, value: str | Path) -> Path:
    """``value`` as a path; relative paths are taken from the config file's directory (or cwd)."""
    p = Path(value).expanduser()
    if p.is_absolute():
        return p
    base = cfg.source_path.parent if cfg.source_path is not None else Path.cwd()
    return base / p


if __name__ == "__main__":  # the older name of the generator: still works, says where it went
    import runpy
    import sys

    print("note: `python -m carlcities.config` is now `python -m carlcities.config_docs`",
          file=sys.stderr)
    runpy.run_module("carlcities.config_docs", run_name="__main__")
