"""What is made from fetched files: GeoTIFFs unpacked from ZIPs or gzip, VRT mosaics of tiles,
per-city links to country files, and the daily series of a point service as the CSV the heat
hazard reads. The originals stay beside what is made from them (their sha256 is in the
manifest); :func:`check_file` refuses a download that is not what its product publishes."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import FetchError, ProductFileError
from ..files import atomic_path
from .catalogue import FetchItem, Sources, fill_template
from .manifest import write_text_atomic

__all__ = ["GDAL_TYPES", "build_vrt", "check_file", "openmeteo_to_csv", "postprocess"]

GDAL_TYPES = {"uint8": "Byte", "int8": "Int8", "uint16": "UInt16", "int16": "Int16",
              "uint32": "UInt32", "int32": "Int32", "float32": "Float32",
              "float64": "Float64"}


#: the rasters a ZIP is unpacked for: GeoTIFFs, and the GMT grids (netCDF) of the USGS Vs30
RASTER_SUFFIXES = (".tif", ".tiff", ".grd")


def unpack_zip(zpath: Path) -> list[Path]:
    """Extract the rasters (GeoTIFF, GMT grid) of a ZIP beside it (skipping ones already
    extracted); its README and licence files stay inside the ZIP, which is kept."""
    out = []
    try:
        with zipfile.ZipFile(zpath) as z:
            for info in z.infolist():
                name = info.filename.rsplit("/", 1)[-1]
                if not name.lower().endswith(RASTER_SUFFIXES):
                    continue
                p = zpath.parent / name
                if not (p.exists() and p.stat().st_size == info.file_size):
                    with atomic_path(p) as tmp, z.open(info) as src, open(tmp, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                out.append(p)
    except zipfile.BadZipFile:
        raise FetchError("not a valid ZIP file", path=zpath,
                         fix="delete it and run the command again") from None
    return out


def unpack_gz(gpath: Path) -> list[Path]:
    """Gunzip ``NAME.gz`` to ``NAME`` beside it (kept when already there and newer)."""
    p = gpath.with_suffix("")
    if not (p.exists() and p.stat().st_mtime >= gpath.stat().st_mtime):
        try:
            with atomic_path(p) as tmp, gzip.open(gpath) as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (OSError, EOFError) as exc:
            raise FetchError(f"not a valid gzip file ({exc})", path=gpath,
                             fix="delete it and run the command again") from None
    return [p]


def openmeteo_to_csv(jpath: Path, out: Path) -> Path:
    """The Open-Meteo archive answer (JSON, ``daily.time`` and ``daily.temperature_2m_max``
    in °C) as the CSV the heat hazard reads: ``date,tmax`` (``tmin`` too when present)."""
    try:
        d = json.loads(jpath.read_text(encoding="utf-8"))["daily"]
        days, tmax = d["time"], d["temperature_2m_max"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ProductFileError(f"not an Open-Meteo daily answer ({exc})", path=jpath,
                               fix="delete it and run again; check the product's url_template "
                                   "asks for daily=temperature_2m_max") from None
    tmin = d.get("temperature_2m_min")
    unit = (json.loads(jpath.read_text(encoding="utf-8")).get("daily_units") or {}).get(
        "temperature_2m_max", "°C")
    if unit not in ("°C", "C", "degC"):
        raise ProductFileError(f"temperatures in {unit!r}, not °C", path=jpath,
                               fix="ask for temperature_unit=celsius (the default)")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    buf.write(f"# Open-Meteo historical weather API (ERA5), from {jpath.name}; tmax in °C\n")
    w.writerow(["date", "tmax"] + (["tmin"] if tmin else []))
    for i, day in enumerate(days):
        row = [day, "" if tmax[i] is None else tmax[i]]
        if tmin:
            row.append("" if tmin[i] is None else tmin[i])
        w.writerow(row)
    write_text_atomic(out, buf.getvalue())
    return out


def check_file(path: Path, *, product: str, url: str, fmt: str) -> None:
    """Refuse a download that is not what the product publishes (an HTML error page saved
    under a .tif name, a truncated ZIP, ...): :class:`ProductFileError`, the file deleted."""
    name = path.name.lower()
    problem = None
    with open(path, "rb") as f:
        head = f.read(8)
    if name.endswith(".zip"):
        problem = None if zipfile.is_zipfile(path) else "not a ZIP archive"
    elif name.endswith(".gz"):
        problem = None if head[:2] == b"\x1f\x8b" else "not a gzip file"
    elif name.endswith((".tif", ".tiff")):
        if head[:4] not in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
            problem = "not a GeoTIFF (no TIFF header)"
        else:
            import rasterio

            try:
                with rasterio.open(path) as ds:
                    if ds.crs is None:
                        problem = "a TIFF without a coordinate reference system"
            except rasterio.errors.RasterioIOError as exc:
                problem = f"not a readable GeoTIFF ({exc})"
    elif name.endswith((".nc", ".grd")):
        if head[:3] != b"CDF" and head[:4] != b"\x89HDF":
            problem = "not a NetCDF file"
    elif name.endswith((".json", ".geojson")):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            problem = f"not JSON ({exc})"
    if problem:
        path.unlink(missing_ok=True)
        raise ProductFileError(f"{product}: the download is {problem}; it was deleted",
                               url=url, path=path,
                               fix=f"the server sent something else than {fmt}: check the URL "
                                   "(a login page? a moved file?), then run the same command "
                                   "again")


def build_vrt(tiles: list[Path], vrt: Path, *, crs: str | None = None,
              tags: dict[str, str] | None = None) -> Path:
    """Write a GDAL VRT mosaic of single-band ``tiles`` of one CRS and cell size (paths
    relative to the VRT), so that one file name serves every city's window. ``crs`` is
    stated for files that carry none (a GMT grid); ``tags`` become the VRT's metadata (the
    units and IMT of a hazard map that its publisher states in a README, not in the file)."""
    import rasterio
    from rasterio.crs import CRS

    infos = []
    for t in sorted(tiles):
        with rasterio.open(t) as ds:
            bx, by = ds.block_shapes[0][1], ds.block_shapes[0][0]
            if ds.crs is None and crs is None:
                raise FetchError(f"{t.name} states no coordinate reference system", path=t,
                                 fix="give the product a crs: in the source catalogue")
            wkt = (ds.crs or CRS.from_user_input(crs)).to_wkt()
            infos.append(dict(path=t, w=ds.width, h=ds.height, tr=ds.transform,
                              dtype=ds.dtypes[0], nodata=ds.nodata, wkt=wkt,
                              bx=bx, by=by))
    if not infos:
        raise FetchError("no GeoTIFF to mosaic", path=vrt, fix="run the fetch again")
    res_x, res_y = infos[0]["tr"].a, infos[0]["tr"].e
    for i in infos[1:]:
        if (abs(i["tr"].a - res_x) > 1e-9 or abs(i["tr"].e - res_y) > 1e-9
                or i["wkt"] != infos[0]["wkt"] or i["dtype"] != infos[0]["dtype"]):
            raise FetchError(f"{i['path'].name} differs from {infos[0]['path'].name} in CRS, "
                             "cell size or data type", path=vrt,
                             fix="delete the odd tile and fetch it again")
    left = min(i["tr"].c for i in infos)
    top = max(i["tr"].f for i in infos)
    right = max(i["tr"].c + i["w"] * res_x for i in infos)
    bottom = min(i["tr"].f + i["h"] * res_y for i in infos)
    width = int(round((right - left) / res_x))
    height = int(round((bottom - top) / res_y))
    gtype = GDAL_TYPES.get(infos[0]["dtype"], "Float64")
    nodata = infos[0]["nodata"]
    nd = "" if nodata is None else f"    <NoDataValue>{nodata!r}</NoDataValue>\n"
    lines = [f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}">',
             f'  <SRS dataAxisToSRSAxisMapping="1,2">{escape(infos[0]["wkt"])}</SRS>',
             f"  <GeoTransform>{left!r}, {res_x!r}, 0.0, {top!r}, 0.0, {res_y!r}</GeoTransform>"]
    md = ["  <Metadata>"] + [f'    <MDI key="{escape(k)}">{escape(v)}</MDI>'
                            for k, v in sorted((tags or {}).items())] + ["  </Metadata>"]
    if tags:
        lines += md
    lines += [f'  <VRTRasterBand dataType="{gtype}" band="1">', nd.rstrip("\n")]
    if tags:
        lines += ["  " + x for x in md]
    for i in infos:
        xoff = int(round((i["tr"].c - left) / res_x))
        yoff = int(round((i["tr"].f - top) / res_y))
        rel = os.path.relpath(i["path"], vrt.parent).replace(os.sep, "/")
        lines += [
            "    <ComplexSource>",
            f'      <SourceFilename relativeToVRT="1">{escape(rel)}</SourceFilename>',
            "      <SourceBand>1</SourceBand>",
            f'      <SourceProperties RasterXSize="{i["w"]}" RasterYSize="{i["h"]}" '
            f'DataType="{gtype}" BlockXSize="{i["bx"]}" BlockYSize="{i["by"]}"/>',
            f'      <SrcRect xOff="0" yOff="0" xSize="{i["w"]}" ySize="{i["h"]}"/>',
            f'      <DstRect xOff="{xoff}" yOff="{yoff}" xSize="{i["w"]}" ySize="{i["h"]}"/>',
        ]
        if i["nodata"] is not None:
            lines.append(f"      <NODATA>{i['nodata']!r}</NODATA>")
        lines.append("    </ComplexSource>")
    lines += ["  </VRTRasterBand>", "</VRTDataset>"]
    write_text_atomic(vrt, "\n".join(x for x in lines if x) + "\n")
    return vrt


def link_file(src: Path, link: Path) -> None:
    """``link`` → ``src``: a relative symlink, else a hard link, else a copy."""
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        if link.resolve() == src.resolve():
            return
        link.unlink()
    try:
        link.symlink_to(os.path.relpath(src, link.parent))
    except OSError:
        try:
            os.link(src, link)
        except OSError:
            shutil.copy2(src, link)


def postprocess(dest: Path, sources: Sources, items: list[FetchItem]) -> dict[str, list[str]]:
    """Unpack ZIPs, build the VRT mosaics, link country files per city; return the derived
    files by product (relative paths)."""
    derived: dict[str, list[str]] = {}
    by_product: dict[str, list[FetchItem]] = {}
    for it in items:
        if (dest / it.relpath).is_file():
            by_product.setdefault(it.product, []).append(it)
    for pid, its in by_product.items():
        src = sources.get(pid)
        tifs_by_mosaic: dict[str, list[Path]] = {}
        for it in its:
            params = dict(it.params)
            if "index" in params:
                continue
            p = dest / it.relpath
            files = unpack_zip(p) if src.unpack == "zip" else \
                unpack_gz(p) if src.unpack == "gz" else [p]
            if src.mosaic:
                key = fill_template(src.mosaic, params)
                tifs_by_mosaic.setdefault(key, []).extend(files)
            if src.convert == "openmeteo_daily":
                out = dest / fill_template(src.city_link or "tmax/{city_id}.csv", params)
                openmeteo_to_csv(p, out)
                derived.setdefault(pid, []).append(out.relative_to(dest).as_posix())
                continue
            if src.city_link:
                for cid in it.cities:
                    link = dest / fill_template(src.city_link, {"city_id": cid})
                    link_file(p, link)
                    derived.setdefault(pid, []).append(link.relative_to(dest).as_posix())
        if src.mosaic:
            for name, tifs in sorted(tifs_by_mosaic.items()):
                vrt = dest / src.folder / name
                # tiles fetched earlier for other cities stay in the mosaic
                earlier = _earlier_tiles(dest, sources, pid, vrt, name)
                build_vrt(sorted(set(tifs) | set(earlier)), vrt, crs=src.crs, tags=src.tags)
                derived.setdefault(pid, []).append(vrt.relative_to(dest).as_posix())
    return derived


def _earlier_tiles(dest: Path, sources: Sources, pid: str, vrt: Path, name: str) -> list[Path]:
    """Tiles of the same mosaic fetched by earlier commands (for other cities), found through
    the manifest: they stay in the mosaic."""
    from .manifest import read_manifest

    src = sources.get(pid)
    out = []
    for rel, e in read_manifest(dest)["files"].items():
        if e.get("product") != pid or not isinstance(e.get("params"), dict):
            continue
        if "index" in e["params"] or fill_template(src.mosaic or "", e["params"]) != name:
            continue
        p = dest / rel
        if src.unpack == "zip" and p.is_file():
            out += unpack_zip(p)
        elif src.unpack == "gz" and p.is_file():
            out += unpack_gz(p)
        elif p.is_file():
            out.append(p)
    if not out:  # manifests written before params were recorded: the GHSL tile names
        out = list(vrt.parent.glob(vrt.stem + "_R*_C*.tif"))
    return out
