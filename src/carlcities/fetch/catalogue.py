"""The source catalogue and what a list of cities needs of it (:func:`plan`).

The catalogue (``src/carlcities/data/data_sources.yaml``) says, per product, where the files
are, under which licence, and how the files a list of cities needs are chosen (GHSL tiles
from each city's study square, one file per country, one file for the region).
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataSourceError, UnknownProductError

__all__ = ["GHSL_COLS", "GHSL_LEFT", "GHSL_ROWS", "GHSL_STEP", "GHSL_TOP", "SOURCES_PATH",
           "FetchItem", "Source", "Sources", "city_tiles", "fill_template", "ghsl_tiles",
           "load_sources", "mirror_url", "plan", "read_checksums"]

SOURCES_PATH = "data/data_sources.yaml"  #: inside the package

#: GHSL R2023A tiling (ESRI:54009, 100 m products): 1000 km squares, 18 rows x 36 columns,
#: numbered from 1 at the top left corner (-18,041,000 m, 9,000,000 m).
GHSL_LEFT, GHSL_TOP, GHSL_STEP = -18_041_000.0, 9_000_000.0, 1_000_000.0
GHSL_ROWS, GHSL_COLS = 18, 36

_SELECTIONS = ("ghsl_tiles", "country", "country_epoch", "single")


@dataclass(frozen=True)
class Source:
    """One product of the source catalogue (see the header of data_sources.yaml)."""

    id: str
    title_en: str
    title_ru: str
    publisher: str
    licence: str
    landing_page: str
    url_template: str
    url_verified: bool
    selection: str
    format: str
    folder: str
    citation: str = ""
    epochs: tuple[int, ...] = ()
    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    filename: str | None = None
    unpack: str | None = None
    mosaic: str | None = None
    city_link: str | None = None
    config_key: str | None = None
    config_value: str | None = None
    default: bool = False
    sha256: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sources:
    """The catalogue: products in file order, and the countries they know."""

    products: dict[str, Source]
    countries: dict[str, dict[str, str]]
    origin: str

    def get(self, pid: str) -> Source:
        if pid not in self.products:
            import difflib

            near = difflib.get_close_matches(pid, list(self.products), n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise UnknownProductError(
                f"unknown product {pid!r}", path=self.origin,
                fix=f"{hint}known products: {', '.join(self.products)} "
                    "(`carlcities data sources` lists them)")
        return self.products[pid]

    @property
    def defaults(self) -> list[str]:
        return [p.id for p in self.products.values() if p.default]


def load_sources(path: str | Path | None = None) -> Sources:
    """Read the source catalogue: the packaged one, or ``path`` in its place."""
    from .._datafiles import read_data_text

    text, origin = read_data_text(path, SOURCES_PATH, "data source catalogue",
                                  error=DataSourceError)
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise DataSourceError(f"YAML syntax error: {exc}", path=origin,
                              fix="fix the YAML of the source catalogue") from None
    products: dict[str, Source] = {}
    for i, e in enumerate(raw.get("products") or [], start=1):
        where = f"product {i} ({e.get('id', '?')})" if isinstance(e, dict) else f"product {i}"
        if not isinstance(e, dict):
            raise DataSourceError(f"{where} is not a mapping", path=origin,
                                  fix="write each product as a mapping of its fields")
        missing = [k for k in ("id", "title_en", "title_ru", "publisher", "licence",
                               "landing_page", "url_template", "url_verified", "selection",
                               "format", "folder") if k not in e]
        if missing:
            raise DataSourceError(f"{where}: missing {', '.join(missing)}", path=origin,
                                  fix="add the fields (see the header of the catalogue)")
        if e["selection"] not in _SELECTIONS:
            raise DataSourceError(f"{where}: unknown selection {e['selection']!r}", path=origin,
                                  fix=f"use one of {', '.join(_SELECTIONS)}")
        if e["selection"] in ("ghsl_tiles", "country_epoch") and not e.get("epochs"):
            raise DataSourceError(f"{where}: selection {e['selection']} needs epochs",
                                  path=origin, fix="list the years the product has")
        kw = dict(e)
        kw["epochs"] = tuple(int(y) for y in e.get("epochs") or ())
        kw["variants"] = {k: tuple(str(x) for x in v) for k, v in (e.get("variants") or {}).items()}
        kw["sha256"] = {str(k): str(v).lower() for k, v in (e.get("sha256") or {}).items()}
        kw["url_verified"] = bool(e["url_verified"])
        kw["default"] = bool(e.get("default", False))
        unknown = set(kw) - set(Source.__dataclass_fields__)
        if unknown:
            raise DataSourceError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}",
                                  path=origin, fix="remove them or correct their spelling")
        products[e["id"]] = Source(**kw)
    countries = {str(k).upper(): dict(v) for k, v in (raw.get("countries") or {}).items()}
    return Sources(products, countries, origin)


def ghsl_tiles(bounds: tuple[float, float, float, float]) -> list[str]:
    """GHSL R2023A tile ids (``R4_C25``) covering ``bounds`` = (left, bottom, right, top) in
    Mollweide metres (ESRI:54009), row by row."""
    left, bottom, right, top = bounds
    eps = 1e-6
    c0 = math.floor((left - GHSL_LEFT) / GHSL_STEP) + 1
    c1 = math.floor((right - eps - GHSL_LEFT) / GHSL_STEP) + 1
    r0 = math.floor((GHSL_TOP - top) / GHSL_STEP) + 1
    r1 = math.floor((GHSL_TOP - bottom - eps) / GHSL_STEP) + 1
    c0, c1 = max(1, c0), min(GHSL_COLS, c1)
    r0, r1 = max(1, r0), min(GHSL_ROWS, r1)
    return [f"R{r}_C{c}" for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def city_tiles(city: Any, *, epochs: Iterable[int] = (), grid: dict[str, float] | None = None
               ) -> list[str]:
    """GHSL tiles covering the study square of a catalogue city (sized as the run sizes it)."""
    from ..config import default_config
    from ..grid import for_city, grid_kw

    kw = grid if grid is not None else grid_kw(default_config())
    g = for_city(city, epochs=list(epochs), **kw)
    return ghsl_tiles(g.footprint("ESRI:54009"))


@dataclass(frozen=True)
class FetchItem:
    """One file to fetch: its product, URL (before any mirror), path under DEST (POSIX), the
    cities that need it, the placeholders it was made from, and the expected sha256 if any."""

    product: str
    url: str
    relpath: str
    cities: tuple[str, ...]
    params: tuple[tuple[str, str], ...]
    licence: str
    url_verified: bool
    sha256: str | None = None

    @property
    def name(self) -> str:
        return self.relpath.rsplit("/", 1)[-1]


def fill_template(template: str, values: dict[str, Any]) -> str:
    out = template
    for k, v in values.items():
        out = out.replace("{" + k + "}", str(v))
    return out


def _country_values(sources: Sources, iso3: str, product: Source) -> dict[str, str]:
    c = sources.countries.get(iso3)
    if c is None:
        raise DataSourceError(f"the catalogue has no country {iso3} for product {product.id}",
                              path=sources.origin, fix=f"add {iso3} under countries:")
    return {"iso3": iso3, "iso3_lower": iso3.lower(), "country": c.get("name", iso3),
            "geofabrik": c.get("geofabrik", "")}


def _check_epochs(src: Source, epochs: list[int]) -> None:
    bad = [e for e in epochs if e not in src.epochs]
    if bad:
        raise DataSourceError(
            f"{src.id} has no layer for {', '.join(map(str, bad))}",
            fix=f"choose --epochs among {', '.join(map(str, src.epochs))}")


def plan(cities: list[str] | None = None, products: list[str] | None = None, *,
         epochs: list[int] | None = None, sources: Sources | None = None,
         checksums: dict[str, str] | None = None, catalog: Any = None) -> list[FetchItem]:
    """The files that ``cities`` (ids or names; None = every catalogue city) need for
    ``products`` (ids; None = the catalogue's defaults), for ``epochs`` (None = the default
    configuration's epochs). ``checksums`` maps file names to expected sha256 (they win over
    the catalogue's). Raises :class:`UnknownCityError`, :class:`UnknownProductError`,
    :class:`DataSourceError`."""
    from ..catalog import load_catalog
    from ..config import default_config

    sources = sources or load_sources()
    chosen = [sources.get(p) for p in (products or sources.defaults)]
    sel = (catalog or load_catalog()).select(cities)
    epochs = list(epochs) if epochs else list(default_config().epochs)
    checksums = {k: v.lower() for k, v in (checksums or {}).items()}
    items: dict[str, dict[str, Any]] = {}

    def add(src: Source, values: dict[str, Any], city_ids: Iterable[str]) -> None:
        for combo in _variant_combos(src):
            v = {**values, **combo}
            url = fill_template(src.url_template, v)
            name = fill_template(src.filename, v) if src.filename else \
                urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
            rel = f"{src.folder}/{name}"
            it = items.setdefault(rel, dict(product=src.id, url=url, relpath=rel, cities=[],
                                            params=tuple(sorted((k, str(x))
                                                                for k, x in v.items())),
                                            licence=src.licence,
                                            url_verified=src.url_verified,
                                            sha256=checksums.get(name) or src.sha256.get(name)))
            it["cities"] += [c for c in city_ids if c not in it["cities"]]

    grid_epochs = sorted(set(epochs))
    for src in chosen:
        if src.selection == "ghsl_tiles":
            _check_epochs(src, epochs)
            for city in sel:
                for tile in city_tiles(city, epochs=grid_epochs):
                    for e in epochs:
                        add(src, {"epoch": e, "tile": tile}, [city.city_id])
        elif src.selection == "country":
            for city in sel:
                add(src, _country_values(sources, city.country_iso3, src), [city.city_id])
        elif src.selection == "country_epoch":
            _check_epochs(src, epochs)
            for city in sel:
                for e in epochs:
                    add(src, {**_country_values(sources, city.country_iso3, src), "epoch": e},
                        [city.city_id])
        else:  # single
            add(src, {}, [c.city_id for c in sel])
    return [FetchItem(**{**d, "cities": tuple(d["cities"])}) for d in items.values()]


def _variant_combos(src: Source) -> list[dict[str, str]]:
    combos: list[dict[str, str]] = [{}]
    for k, vals in src.variants.items():
        combos = [{**c, k: v} for c in combos for v in vals]
    return combos


def mirror_url(url: str, base_url: str | None) -> str:
    """``url`` with its scheme and host replaced by ``base_url`` (whose own path, if any, is
    put before the original path): ``mirror_url("https://a.org/x/y.tif", "http://m:8/d")``
    is ``http://m:8/d/x/y.tif``."""
    if not base_url:
        return url
    u = urllib.parse.urlsplit(url)
    b = urllib.parse.urlsplit(base_url)
    if not b.scheme or not b.netloc:
        raise DataSourceError(f"--base-url {base_url!r} is not an absolute URL",
                              fix="give scheme and host, e.g. http://mirror.example.org/data")
    path = b.path.rstrip("/") + u.path
    return urllib.parse.urlunsplit((b.scheme, b.netloc, path, u.query, ""))


def read_checksums(path: str | Path) -> dict[str, str]:
    """Expected sha256 by file name from a ``sha256sum``-style file (``HEX  NAME`` lines)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataSourceError(f"cannot read the checksum file ({exc})", path=p,
                              fix="check the path given to --checksums") from None
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        hexd = parts[0].lower()
        if len(parts) != 2 or len(hexd) != 64 or any(ch not in "0123456789abcdef" for ch in hexd):
            raise DataSourceError(f"line {n}: expected 'SHA256  FILENAME'", path=p,
                                  fix="write one '64-hex-digit-sha256  file name' per line "
                                      "(the output of sha256sum)")
        out[parts[1].lstrip("*").rsplit("/", 1)[-1]] = hexd
    return out
