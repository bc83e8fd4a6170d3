"""The map layers of a city: every raster its run wrote, named, grouped and coloured.

A run writes ``OUT/rasters/CITY/NAME.tif`` (listed by :meth:`carlcities.results.Study.rasters`).
Names follow the pipeline's conventions: ``FAMILY_EPOCH`` (``builtup_2020``),
``FAMILY_EPOCH_SCENARIO`` for growth scenarios (``population_2050_compact``),
``growth_T1_T2`` and plain names (``dem``, ``flood_depth_rp100``). A *family* is the name with
its epoch taken out; the city map shows one family at a time and its epoch slider moves
through the family's epochs.

Each family gets a title in English and Russian, a unit and a colour map from :data:`FAMILIES`
(matched by prefix, first match wins); a raster nobody listed still shows, titled by its file
name, with a grey-to-blue ramp — a new engine's raster is never hidden.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from .._schema import ATLAS_CLASSES, GROWTH_CLASSES

__all__ = ["FAMILIES", "Layer", "LayerStyle", "classify", "layer_groups", "style_of"]


@dataclass(frozen=True)
class LayerStyle:
    """How a family of rasters is drawn: ``cmap`` a matplotlib colour map name for continuous
    values, or ``classes`` (code → (colour, English, Russian)) for coded ones."""

    title_en: str
    title_ru: str
    unit: str
    cmap: str = "viridis"
    classes: tuple[tuple[int, str, str, str], ...] = ()
    scale: float = 1.0          # shown value = stored value × scale (shares as %)
    zero_clear: bool = False    # cells of value 0 are see-through (nobody, nothing built)


ATLAS_PALETTE = {1: "#7f1d1d", 2: "#d9572b", 3: "#f2b279", 4: "#b9d98b", 5: "#5f9e4a",
                 6: "#f1f0e6", 7: "#8ec3e6"}
GROWTH_PALETTE = {1: "#2b7bba", 2: "#f28e2b", 3: "#d62728", 4: "#8c5fb0"}
WORLDCOVER = ((10, "#006400", "tree cover", "древесный покров"),
              (20, "#ffbb22", "shrubland", "кустарники"),
              (30, "#ffff4c", "grassland", "луга"), (40, "#f096ff", "cropland", "пашня"),
              (50, "#fa0000", "built-up", "застройка"),
              (60, "#b4b4b4", "bare / sparse vegetation", "голая земля / редкая растительность"),
              (70, "#f0f0f0", "snow and ice", "снег и лёд"),
              (80, "#0064c8", "permanent water", "постоянные водоёмы"),
              (90, "#0096a0", "herbaceous wetland", "травянистые болота"),
              (95, "#00cf75", "mangroves", "мангры"), (100, "#fae6a0", "moss and lichen",
                                                         "мхи и лишайники"))


def _atlas() -> tuple[tuple[int, str, str, str], ...]:
    return tuple((k, ATLAS_PALETTE[k], en, ru)
                 for k, (en, ru) in sorted(ATLAS_CLASSES.items()) if k in ATLAS_PALETTE)


def _growth() -> tuple[tuple[int, str, str, str], ...]:
    return tuple((k, GROWTH_PALETTE[k], en, ru)
                 for k, (en, ru) in sorted(GROWTH_CLASSES.items()) if k in GROWTH_PALETTE)


#: family prefix → style; the first prefix that a family starts with wins
FAMILIES: dict[str, LayerStyle] = {
    "atlas_class": LayerStyle("Atlas of Urban Expansion classes",
                              "Классы Атласа расширения городов", "", classes=_atlas()),
    "growth": LayerStyle("New growth by type", "Новый рост по типам", "", classes=_growth()),
    "landcover": LayerStyle("Land cover (ESA WorldCover)", "Земной покров (ESA WorldCover)", "",
                            classes=WORLDCOVER),
    "builtup": LayerStyle("Built-up surface share", "Доля застроенной поверхности", "%",
                          "YlOrRd", scale=100.0, zero_clear=True),
    "population": LayerStyle("Population per cell", "Население в ячейке", "persons", "magma_r",
                             zero_clear=True),
    "access_daily_needs": LayerStyle("Daily needs within 15 minutes' walk",
                                     "Повседневные нужды в 15 минутах ходьбы", "",
                                     "viridis"),
    "access_clinic": LayerStyle("Walking distance to a clinic", "Пешее расстояние до поликлиники",
                                "m", "viridis_r"),
    "access_school": LayerStyle("Walking distance to a school", "Пешее расстояние до школы", "m",
                                "viridis_r"),
    "access_transit": LayerStyle("Walking distance to public transport",
                                 "Пешее расстояние до остановки общественного транспорта", "m",
                                 "viridis_r"),
    "access": LayerStyle("Walking distance", "Пешее расстояние", "m", "viridis_r"),
    "drive_fire_station": LayerStyle("Drive time to a fire station",
                                     "Время езды до пожарной части", "min", "viridis_r"),
    "drive_hospital": LayerStyle("Drive time to a hospital", "Время езды до больницы", "min",
                                 "viridis_r"),
    "drive": LayerStyle("Drive time", "Время в пути на автомобиле", "min", "viridis_r"),
    "eq_damage_ratio": LayerStyle("Earthquake damage ratio (475-year loss event)",
                                  "Коэффициент ущерба от землетрясения (событие 475 лет)", "%",
                                  "Reds", scale=100.0, zero_clear=True),
    "eq_pga": LayerStyle("Peak ground acceleration (475-year loss event)",
                         "Пиковое ускорение грунта (событие 475 лет)", "g", "OrRd"),
    "flood_damage_ratio": LayerStyle("Flood damage ratio (100-year flood)",
                                     "Коэффициент ущерба от паводка (паводок 100 лет)", "%",
                                     "Reds", scale=100.0, zero_clear=True),
    "flood_depth": LayerStyle("Flood depth", "Глубина затопления", "m", "Blues", zero_clear=True),
    "mudflow": LayerStyle("Mudflow hazard", "Селевая опасность", "", "copper_r", zero_clear=True),
    "heat": LayerStyle("Heat hazard", "Тепловая опасность", "", "inferno"),
    "exposure_value": LayerStyle("Value of buildings and contents",
                                 "Стоимость зданий и имущества", "USD", "cividis", zero_clear=True),
    "gdp": LayerStyle("Gridded GDP", "ВВП по сетке", "USD", "cividis", zero_clear=True),
    "ghg_buildings": LayerStyle("Greenhouse gases from buildings",
                                "Выбросы парниковых газов зданий", "t CO2e", "YlOrBr",
                                zero_clear=True),
    "ghg_transport": LayerStyle("Greenhouse gases from road transport",
                                "Выбросы парниковых газов автотранспорта", "t CO2e", "YlOrBr",
                                zero_clear=True),
    "ghg": LayerStyle("Greenhouse gases (GPC BASIC)", "Выбросы парниковых газов (GPC BASIC)",
                      "t CO2e", "YlOrBr", zero_clear=True),
    "green": LayerStyle("Green share of each cell", "Доля зелени в ячейке", "%", "Greens",
                        scale=100.0),
    "lights": LayerStyle("Night lights (VIIRS)", "Ночное освещение (VIIRS)", "nW/cm²/sr",
                         "cividis"),
    "lst": LayerStyle("Land-surface temperature", "Температура поверхности", "°C", "inferno"),
    "ndvi": LayerStyle("Vegetation index (NDVI)", "Вегетационный индекс (NDVI)", "", "YlGn"),
    "pm25": LayerStyle("Annual mean PM2.5", "Среднегодовая концентрация PM2.5", "µg/m³",
                       "YlOrBr"),
    "street_km": LayerStyle("Street length per cell", "Длина улиц в ячейке", "km", "Greys",
                            zero_clear=True),
    "vs30": LayerStyle("Shear-wave velocity Vs30", "Скорость поперечных волн Vs30", "m/s",
                       "viridis"),
    "dem": LayerStyle("Elevation", "Высота над уровнем моря", "m", "terrain"),
}
_DEFAULT = LayerStyle("", "", "", "Blues")
SCENARIOS = {"bau_sprawl": ("business as usual (sprawl)", "инерционный (разрастание)"),
             "compact": ("compact", "компактный"),
             "tod": ("transit-oriented", "ориентированный на транспорт"),
             "risk_aware": ("risk-aware", "с учётом рисков")}
_YEAR = re.compile(r"_((?:19|20)\d\d)(?=_|$)")


@dataclass(frozen=True)
class Layer:
    """One raster of a city: ``name`` its file stem, ``family`` the name without its epoch."""

    name: str
    family: str
    epoch: int | None
    scenario: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def classify(name: str) -> Layer:
    """Family, epoch and growth scenario of a raster name."""
    years = _YEAR.findall(name)
    epoch = int(years[-1]) if years else None
    family = _YEAR.sub("", name)
    scenario = None
    for s in SCENARIOS:
        if family.endswith("_" + s):
            scenario = s
    return Layer(name, family, epoch, scenario)


def style_of(family: str) -> LayerStyle:
    """The style of a family (by the longest listed prefix it starts with)."""
    best = max((p for p in FAMILIES if family == p or family.startswith(p + "_")),
               key=len, default=None)
    if best is None:
        return _DEFAULT
    return FAMILIES[best]


def family_title(family: str, lang: str) -> str:
    """The title of a family in ``lang``, with its growth scenario and return period."""
    st = style_of(family)
    base = (st.title_ru if lang == "ru" else st.title_en) or family.replace("_", " ")
    extra = []
    for s, names in SCENARIOS.items():
        if family.endswith("_" + s):
            extra.append(("сценарий " if lang == "ru" else "scenario ")
                         + names[1 if lang == "ru" else 0])
    m = re.search(r"_rp(\d+)", family)
    if m and "475" not in base and "100" not in base:
        extra.append(f"{m.group(1)} лет" if lang == "ru" else f"{m.group(1)}-year")
    return base + (f" ({', '.join(extra)})" if extra else "")


def layer_groups(names: list[str], lang: str) -> list[dict[str, Any]]:
    """The families of a city's rasters for the layer switcher: title, unit, the epochs and
    the raster of each, the legend (classes or colour ramp); sorted by title."""
    fams: dict[str, list[Layer]] = {}
    for n in names:
        lay = classify(n)
        fams.setdefault(lay.family, []).append(lay)
    out = []
    for fam, lays in fams.items():
        st = style_of(fam)
        lays.sort(key=lambda x: (x.epoch or 0))
        out.append({
            "family": fam, "title": family_title(fam, lang), "unit": st.unit,
            "layers": [{"name": x.name, "epoch": x.epoch} for x in lays],
            "classes": [{"code": c, "colour": col, "label": ru if lang == "ru" else en}
                        for c, col, en, ru in st.classes],
            "cmap": None if st.classes else st.cmap,
        })
    return sorted(out, key=lambda g: str(g["title"]).lower())
