"""What each figure was made from: its own rasters and input files, not every input of the run.

A map is drawn from one or a few COGs of the city (``rasters/CITY/*.tif``); each COG was
computed from input files of a few roles (the manifest's ``inputs``, each with ``role``,
``product``, ``version``, ``epoch`` and ``city_id``). :data:`FIGURE_ROLES` says which roles feed
which figure; :func:`figure_inputs` lists them for one city, each with a link (the COG itself,
or the run manifest that records the input file's path and SHA-256).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

__all__ = ["FIGURE_ROLES", "city_inputs", "figure_inputs"]

#: figure key -> (COG name patterns, input roles it was computed from)
FIGURE_ROLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "atlas": (("atlas_class_*.tif",), ("builtup",)),
    "expansion": (("atlas_class_*.tif",), ("builtup",)),
    "growth": (("growth_*_*.tif",), ("builtup",)),
    "density": (("population_[0-9][0-9][0-9][0-9].tif",), ("population",)),
    "env_green": (("green_*.tif",), ("landcover",)),
    "env_pm25": (("pm25_*.tif",), ("pm25",)),
    "env_lst": (("lst_*.tif",), ("lst",)),
    "env_lights": (("lights_*.tif",), ("lights",)),
    "mob_street_km": (("street_km.tif",), ("osm",)),
    "mob_access_school_m": (("access_school_m.tif",), ("osm", "population")),
    "mob_access_clinic_m": (("access_clinic_m.tif",), ("osm", "population")),
    "mob_drive_hospital_min": (("drive_hospital_min.tif",), ("osm", "population")),
    "ghg_map": (("ghg_[0-9]*.tif",), ("builtup", "population", "osm")),
    "risk_eq_pga_rp475_event": (("eq_pga_rp475_event.tif", "vs30.tif"), ("vs30", "dem")),
    "risk_eq_damage_ratio_rp475": (("eq_damage_ratio_rp475.tif", "exposure_value.tif"),
                                   ("builtup", "population", "vs30", "dem")),
    "risk_flood_depth_rp100": (("flood_depth_rp100.tif",), ("flood_depth_rp*",)),
    "risk_mudflow_class": (("mudflow_class.tif",), ("dem", "mudflow*")),
    "risk_exposure_value": (("exposure_value.tif",), ("builtup", "population")),
}


def city_inputs(manifest: dict[str, Any] | None, city: str) -> list[dict[str, Any]]:
    """The manifest's input files of one city (and the study-wide ones), without paths of
    other cities."""
    out = []
    for x in (manifest or {}).get("inputs") or []:
        if x.get("city_id") in (city, None) and x.get("role"):
            out.append({k: x.get(k) for k in ("role", "product", "version", "epoch", "path",
                                               "synthetic")})
    return out


def _match(role: str, pattern: str) -> bool:
    return re.fullmatch(pattern.replace("*", ".*"), role) is not None


def figure_inputs(key: str, raster_dir: Path, inputs: list[dict[str, Any]], page_dir: Path,
                  manifest_href: str) -> list[dict[str, str]] | None:
    """The COGs and input files of one figure, or ``None`` for a figure not listed here."""
    spec = FIGURE_ROLES.get(key)
    if spec is None:
        return None
    cogs, roles = spec
    out: list[dict[str, str]] = []
    for pat in cogs:
        for f in sorted(Path(raster_dir).glob(pat)):
            out.append({"name": f"rasters/{Path(raster_dir).name}/{f.name}",
                        "href": os.path.relpath(f, page_dir).replace(os.sep, "/")})
    seen = set()
    for x in inputs:
        if not any(_match(str(x["role"]), r) for r in roles):
            continue
        label = " ".join(str(v) for v in (x.get("product"), x.get("version")) if v)
        label = label or Path(str(x.get("path") or x["role"])).name
        if label in seen:
            continue
        seen.add(label)
        epochs = sorted({str(y.get("epoch")) for y in inputs if y.get("epoch") is not None
                         and " ".join(str(v) for v in (y.get("product"), y.get("version"))
                                      if v) == label})
        out.append({"name": label + (f" ({', '.join(epochs)})" if len(epochs) > 0 else ""),
                    "href": manifest_href})
    return out
