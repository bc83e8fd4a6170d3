"""``DEST/carlcities-data.yaml``: the study configuration that points at fetched files."""

from __future__ import annotations

from pathlib import Path

import yaml

from .catalogue import FetchItem, Source, Sources, fill_template
from .manifest import MANIFEST_NAME, write_text_atomic

__all__ = ["CONFIG_NAME", "write_study_config"]

CONFIG_NAME = "carlcities-data.yaml"


def write_study_config(dest: Path, sources: Sources, items: list[FetchItem],
                       cities: list[str] | None, epochs: list[int],
                       manual: list[Source] | None = None) -> Path:
    """Write ``DEST/carlcities-data.yaml``: the full study template of ``carlcities init``
    with ``cities``, ``epochs`` and the ``data:`` keys of the fetched products filled.

    ``data.source`` becomes ``files`` only when both built-up and population layers are
    there (the run needs both); otherwise it stays ``demo`` and a comment says why.
    """
    from ..config import SETTINGS, load_config
    from ..config_docs import render_template

    known = {s.key: s for s in SETTINGS if s.section == "data"}
    present = [it for it in items if (dest / it.relpath).is_file()]
    values: dict[str, str | list[int] | dict[str, str]] = {}
    notes: list[str] = []
    for src in sources.products.values():
        its = [it for it in present if it.product == src.id]
        if not its or not src.config_key:
            if its:
                notes.append(f"{src.id}: fetched to {src.folder}/ but fills no setting "
                             "(see docs/data_fetch.md)")
            continue
        if src.licence_note:
            notes.append(f"{src.id} is {src.licence}: {src.licence_note}")
        if src.config_key not in known:  # a setting this version does not have (yet)
            notes.append(f"{src.id}: fetched to {src.config_value or src.folder + '/'}; this "
                         f"version of carlcities has no data.{src.config_key} to point at it")
            continue
        if src.config_key in values:
            notes.append(f"{src.id}: data.{src.config_key} already points at another product; "
                         f"its files are in {src.folder}/")
            continue
        value = src.config_value or ""
        if "{iso3" in value or "{country}" in value:
            isos = sorted({dict(it.params).get("iso3", "") for it in its})
            if len(isos) != 1:
                notes.append(f"{src.id}: files for {', '.join(isos)} are in {src.folder}/, but "
                             f"one data.{src.config_key} pattern can name one country only")
                continue
            value = fill_template(value, {"iso3": isos[0], "iso3_lower": isos[0].lower()})
        if _is_mapping(known[src.config_key].type):  # return period -> file
            rp = src.tags.get("return_period") or dict(its[0].params).get("rp", "")
            values[src.config_key] = {str(rp): value}
            continue
        values[src.config_key] = value
        # files per return period: the pattern has {rp}, and data.<hazard>_return_periods
        # (flood_return_periods, hazard_return_periods) lists those fetched
        rps = sorted({int(dict(it.params)["rp"]) for it in its if "rp" in dict(it.params)})
        if not rps and src.tags.get("return_period"):
            rps = [int(src.tags["return_period"])]
        rp_key = src.config_key.split("_")[0] + "_return_periods"
        if rps and "{rp}" in value and rp_key in known:
            values[rp_key] = rps  # type: ignore[assignment]
    for src in manual or []:
        notes.append(f"{src.id} has no download address: get {src.file_pattern or src.format} "
                     f"from {src.landing_page}, then set data.{src.config_key}")
    files = "builtup" in values and "population" in values
    if not files:
        notes.append("data.source stays 'demo': a run on files needs both data.builtup and "
                     "data.population (fetch ghsl_built_s and ghsl_pop)")
    set_top = {"epochs": yaml.safe_dump(list(epochs), default_flow_style=True).strip()}
    if cities:
        set_top["cities"] = yaml.safe_dump(list(cities), default_flow_style=True,
                                           allow_unicode=True).strip()
    set_data = {k: yaml.safe_dump(v, default_flow_style=True, allow_unicode=True,
                                  width=10_000).strip().removesuffix("...").strip()
                for k, v in values.items()}
    set_data["source"] = "files" if files else "demo"
    out = []
    section = None  # the top-level key the template is in (each is written once)
    for line in render_template().splitlines():
        if line and not line.startswith((" ", "#")):
            section = line.split(":", 1)[0]
            if section in set_top:
                line = f"{section}: {set_top.pop(section)}"
        elif section == "data" and line.startswith("  ") and not line.startswith("  #"):
            k = line.strip().split(":", 1)[0]
            if k in set_data:
                line = f"  {k}: {set_data.pop(k)}"
        out.append(line)
    head = ["# Written by `carlcities data fetch` — paths are relative to this file.",
            "# Run:  carlcities run --config " + (dest / CONFIG_NAME).as_posix() + " --out out/",
            f"# Files and their licences: {MANIFEST_NAME} beside this file."]
    head += [f"# note: {n}" for n in notes]
    path = dest / CONFIG_NAME
    write_text_atomic(path, "\n".join(head + out) + "\n")
    load_config(path)  # what we wrote must load (raises ConfigError naming the line if not)
    return path


def _is_mapping(tp: object) -> bool:
    return getattr(tp, "__origin__", tp) is dict
