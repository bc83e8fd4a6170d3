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

__all__ = ["ACCESS", "GHSL_COLS", "GHSL_LEFT", "GHSL_ROWS", "GHSL_STEP", "GHSL_TOP",
           "SOURCES_PATH", "FetchItem", "Source", "Sources", "city_bounds", "city_tiles",
           "expand_products", "fill_template", "ghsl_tiles", "index_items", "latlon_tiles",
           "load_sources", "manual_products", "mirror_url", "plan", "read_checksums"]

SOURCES_PATH = "data/data_sources.yaml"  #: inside the package

#: GHSL R2023A tiling (ESRI:54009, 100 m products): 1000 km squares, 18 rows x 36 columns,
#: numbered from 1 at the top left corner (-18,041,000 m, 9,000,000 m).
GHSL_LEFT, GHSL_TOP, GHSL_STEP = -18_041_000.0, 9_000_000.0, 1_000_000.0
GHSL_ROWS, GHSL_COLS = 18, 36

_SELECTIONS = ("ghsl_tiles", "country", "country_epoch", "single", "latlon_tiles", "years",
               "city_point", "index_tiles", "manual")
#: how a product is reached: open (anonymous HTTP), registration (a free login the publisher
#: asks for: carlcities reads it from ~/.netrc or environment variables), manual (no stable
#: address: the user downloads the named files from the landing page)
ACCESS = ("open", "registration", "manual")


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
    access: str = "open"
    auth: str | None = None
    roles: tuple[str, ...] = ()
    version: str = ""
    resolution: str = ""
    coverage: str = ""
    bbox: tuple[float, float, float, float] | None = None
    tile_deg: float | None = None
    tile_format: str | None = None
    index_url: str | None = None
    convert: str | None = None
    file_pattern: str = ""
    url_note: str = ""
    licence_note: str = ""  #: what the licence means for a user (non-commercial, share-alike)
    #: the CRS a mosaic VRT states when the files carry none (the USGS Vs30 GMT grid)
    crs: str | None = None
    #: metadata the mosaic VRT states (units, IMT of a hazard map: what the publisher's
    #: README says and the GeoTIFF does not)
    tags: dict[str, str] = field(default_factory=dict)


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
        if e.get("access", "open") not in ACCESS:
            raise DataSourceError(f"{where}: unknown access {e['access']!r}", path=origin,
                                  fix=f"use one of {', '.join(ACCESS)}")
        if e["selection"] == "latlon_tiles" and not (e.get("tile_deg") and e.get("tile_format")):
            raise DataSourceError(f"{where}: selection latlon_tiles needs tile_deg and "
                                  "tile_format", path=origin, fix="give the tile size in "
                                  "degrees and the name format of a tile")
        if e["selection"] == "index_tiles" and not e.get("index_url"):
            raise DataSourceError(f"{where}: selection index_tiles needs index_url",
                                  path=origin, fix="give the address of the tile index")
        if e["selection"] in ("ghsl_tiles", "country_epoch", "years") and not e.get("epochs"):
            raise DataSourceError(f"{where}: selection {e['selection']} needs epochs",
                                  path=origin, fix="list the years the product has")
        kw = dict(e)
        kw["epochs"] = tuple(int(y) for y in e.get("epochs") or ())
        kw["variants"] = {k: tuple(str(x) for x in v) for k, v in (e.get("variants") or {}).items()}
        kw["sha256"] = {str(k): str(v).lower() for k, v in (e.get("sha256") or {}).items()}
        kw["url_verified"] = bool(e["url_verified"])
        kw["default"] = bool(e.get("default", False))
        kw["roles"] = tuple(str(r) for r in e.get("roles") or ())
        kw["tags"] = {str(k): str(v) for k, v in (e.get("tags") or {}).items()}
        if e.get("bbox") is not None:
            kw["bbox"] = tuple(float(x) for x in e["bbox"])
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


def city_bounds(city: Any, crs: str, *, epochs: Iterable[int] = (),
                grid: dict[str, float] | None = None) -> tuple[float, float, float, float]:
    """Bounds in ``crs`` of the study square of a catalogue city (sized as the run sizes it)."""
    from ..config import default_config
    from ..grid import for_city, grid_kw

    kw = grid if grid is not None else grid_kw(default_config())
    g = for_city(city, epochs=list(epochs), **kw)
    return tuple(g.footprint(crs))  # type: ignore[return-value]


def city_tiles(city: Any, *, epochs: Iterable[int] = (), grid: dict[str, float] | None = None
               ) -> list[str]:
    """GHSL tiles covering the study square of a catalogue city (sized as the run sizes it)."""
    return ghsl_tiles(city_bounds(city, "ESRI:54009", epochs=epochs, grid=grid))


def latlon_tiles(bounds: tuple[float, float, float, float], deg: float, fmt: str) -> list[str]:
    """Names of the ``deg``-degree tiles (named by their south-west corner) covering
    ``bounds`` = (west, south, east, north) in degrees: ``fmt`` is a format string with
    ``ns``, ``lat``, ``ew``, ``lon`` (the corner's absolute degrees), e.g. WorldCover's
    ``{ns}{lat:02d}{ew}{lon:03d}`` (N42E072) or Copernicus DEM's
    ``{ns}{lat:02d}_00_{ew}{lon:03d}_00``."""
    w, s, e, n = bounds
    eps = 1e-9
    out = []
    la = math.floor(s / deg) * deg
    while la < n - eps:
        lo = math.floor(w / deg) * deg
        while lo < e - eps:
            out.append(fmt.format(ns="N" if la >= 0 else "S", lat=int(round(abs(la))),
                                  ew="E" if lo >= 0 else "W", lon=int(round(abs(lo)))))
            lo += deg
        la += deg
    return out


def _covers(src: Source, city: Any) -> None:
    if src.bbox is None:
        return
    w, s, e, n = src.bbox
    if not (w <= city.lon <= e and s <= city.lat <= n):
        raise DataSourceError(
            f"{src.id} does not cover {city.city_id} ({city.lat:.2f}, {city.lon:.2f}): its "
            f"coverage is {src.coverage or src.bbox}",
            fix=f"leave {src.id} out of --products for this city and use another product of "
                f"the same role (`carlcities data sources`), or give the layer by hand")


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
    """``template`` with each ``{key}`` of ``values`` filled; a value may itself hold
    placeholders (a variant ``cvt_{iso3_lower}.shp``): they are filled in a second pass."""
    out = template
    for _ in range(2):
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
         checksums: dict[str, str] | None = None, catalog: Any = None,
         years: list[int] | None = None) -> list[FetchItem]:
    """The files that ``cities`` (ids or names; None = every catalogue city) need for
    ``products`` (ids; None = the catalogue's defaults), for ``epochs`` (None = the default
    configuration's epochs; ``years``, None = its ``data.env_years``, for the yearly
    environment products). Products with ``selection: manual`` have no download address and
    are left out (:func:`manual_products` lists them). ``checksums`` maps file names to
    expected sha256 (they win over the catalogue's). Raises :class:`UnknownCityError`,
    :class:`UnknownProductError`, :class:`DataSourceError`."""
    from ..catalog import load_catalog
    from ..config import default_config

    sources = sources or load_sources()
    chosen = [sources.get(p) for p in expand_products(products, sources)]
    sel = (catalog or load_catalog()).select(cities)
    epochs = list(epochs) if epochs else list(default_config().epochs)
    years = list(years) if years else list(default_config().data.env_years)
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
        for city in sel:
            _covers(src, city)
        if src.selection == "manual":
            continue
        if src.selection == "latlon_tiles":
            assert src.tile_deg and src.tile_format
            for city in sel:
                b = city_bounds(city, "EPSG:4326", epochs=grid_epochs)
                for tile in latlon_tiles(b, src.tile_deg, src.tile_format):
                    add(src, {"tile": tile}, [city.city_id])
        elif src.selection == "years":
            ys = [y for y in years if y in src.epochs]
            if not ys:
                raise DataSourceError(
                    f"{src.id} has no layer for the years {', '.join(map(str, years))}",
                    fix=f"set data.env_years to years among {', '.join(map(str, src.epochs))}")
            for y in ys:
                add(src, {"epoch": y, "year": y}, [c.city_id for c in sel])
        elif src.selection == "city_point":
            for city in sel:
                add(src, {"city_id": city.city_id, "lat": f"{city.lat:.4f}",
                          "lon": f"{city.lon:.4f}"}, [city.city_id])
        elif src.selection == "index_tiles":
            assert src.index_url
            name = urllib.parse.urlsplit(src.index_url).path.rsplit("/", 1)[-1]
            rel = f"{src.folder}/{name}"
            items.setdefault(rel, dict(product=src.id, url=src.index_url, relpath=rel,
                                       cities=[c.city_id for c in sel],
                                       params=(("index", "1"),), licence=src.licence,
                                       url_verified=src.url_verified, sha256=None))
        elif src.selection == "ghsl_tiles":
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


def expand_products(products: list[str] | None, sources: Sources) -> list[str]:
    """Product ids asked for: None = the defaults; ``all`` = every product with a download
    address (not the manual ones)."""
    if not products:
        return sources.defaults
    out: list[str] = []
    for p in products:
        if p == "all":
            out += [s.id for s in sources.products.values() if s.selection != "manual"]
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def manual_products(products: list[str] | None, sources: Sources) -> list[Source]:
    """The asked-for products that have no download address (``selection: manual``)."""
    return [sources.get(p) for p in expand_products(products, sources)
            if sources.get(p).selection == "manual"]


def index_items(src: Source, index_path: Path,
                cities: dict[str, tuple[float, float, float, float]],
                checksums: dict[str, str] | None = None) -> list[FetchItem]:
    """The tiles of an ``index_tiles`` product that the cities need, read from its tile index
    (GeoJSON: one feature per tile with properties ``id`` and ``name`` and the tile's polygon),
    for each variant (return period). ``cities`` maps city ids to (west, south, east, north)."""
    import json

    try:
        feats = json.loads(index_path.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataSourceError(f"the tile index of {src.id} cannot be read ({exc})",
                              path=index_path, fix="delete it and run the command again; if "
                              f"it persists, check {src.id}'s index_url") from None
    tiles: list[tuple[str, str, tuple[float, float, float, float]]] = []
    for f in feats:
        props = f.get("properties") or {}
        tid = props.get("id", props.get("tile_id", props.get("ID")))
        name = props.get("name", props.get("tile_name", props.get("NAME")))
        xy = [pt for ring in _rings(f.get("geometry") or {}) for pt in ring]
        if tid is None or name is None or not xy:
            continue
        xs, ys = [p[0] for p in xy], [p[1] for p in xy]
        tiles.append((str(tid), str(name), (min(xs), min(ys), max(xs), max(ys))))
    checksums = checksums or {}
    out: dict[str, FetchItem] = {}
    for cid, (w, s, e, n) in cities.items():
        hit = [t for t in tiles if t[2][0] < e and t[2][2] > w and t[2][1] < n and t[2][3] > s]
        if not hit:
            raise DataSourceError(f"{src.id} has no tile over {cid} (its index lists "
                                  f"{len(tiles)} tiles)", path=index_path,
                                  fix=f"leave {src.id} out for this city, or give data."
                                      f"{src.config_key} by hand")
        for tid, name, _ in hit:
            for combo in _variant_combos(src):
                v = {"tile_id": tid, "tile_name": name, **combo}
                url = fill_template(src.url_template, v)
                fname = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
                rel = f"{src.folder}/{fname}"
                old = out.get(rel)
                cs = tuple(dict.fromkeys((old.cities if old else ()) + (cid,)))
                out[rel] = FetchItem(src.id, url, rel, cs, tuple(sorted(v.items())),
                                     src.licence, src.url_verified,
                                     checksums.get(fname) or src.sha256.get(fname))
    return list(out.values())


def _rings(geom: dict[str, Any]) -> list[list[list[float]]]:
    c = geom.get("coordinates") or []
    if geom.get("type") == "Polygon":
        return list(c)
    if geom.get("type") == "MultiPolygon":
        return [r for poly in c for r in poly]
    return []


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
