"""What is made from fetched files: GeoTIFFs unpacked from ZIPs, VRT mosaics of tiles, and
per-city links to country files."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import FetchError
from ..files import atomic_path
from .catalogue import FetchItem, Sources, fill_template
from .manifest import write_text_atomic

__all__ = ["GDAL_TYPES", "build_vrt", "postprocess"]

GDAL_TYPES = {"uint8": "Byte", "int8": "Int8", "uint16": "UInt16", "int16": "Int16",
              "uint32": "UInt32", "int32": "Int32", "float32": "Float32",
              "float64": "Float64"}


def unpack_zip(zpath: Path) -> list[Path]:
    """Extract the GeoTIFFs of a tile ZIP beside it (skipping ones already extracted)."""
    out = []
    try:
        with zipfile.ZipFile(zpath) as z:
            for info in z.infolist():
                name = info.filename.rsplit("/", 1)[-1]
                if not name.lower().endswith((".tif", ".tiff")):
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


def build_vrt(tiles: list[Path], vrt: Path) -> Path:
    """Write a GDAL VRT mosaic of single-band ``tiles`` of one CRS and cell size (paths
    relative to the VRT), so that one file name serves every city's window."""
    import rasterio

    infos = []
    for t in sorted(tiles):
        with rasterio.open(t) as ds:
            bx, by = ds.block_shapes[0][1], ds.block_shapes[0][0]
            infos.append(dict(path=t, w=ds.width, h=ds.height, tr=ds.transform,
                              dtype=ds.dtypes[0], nodata=ds.nodata, wkt=ds.crs.to_wkt(),
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
             f"  <GeoTransform>{left!r}, {res_x!r}, 0.0, {top!r}, 0.0, {res_y!r}</GeoTransform>",
             f'  <VRTRasterBand dataType="{gtype}" band="1">', nd.rstrip("\n")]
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
        tifs_by_epoch: dict[str, list[Path]] = {}
        for it in its:
            p = dest / it.relpath
            files = unpack_zip(p) if src.unpack == "zip" else [p]
            params = dict(it.params)
            tifs_by_epoch.setdefault(params.get("epoch", ""), []).extend(files)
            if src.city_link:
                for cid in it.cities:
                    link = dest / fill_template(src.city_link, {"city_id": cid})
                    link_file(p, link)
                    derived.setdefault(pid, []).append(link.relative_to(dest).as_posix())
        if src.mosaic:
            for epoch, tifs in sorted(tifs_by_epoch.items()):
                vrt = dest / src.folder / fill_template(src.mosaic, {"epoch": epoch})
                # tiles fetched earlier for other cities stay in the mosaic
                earlier = vrt.parent.glob(vrt.stem + "_R*_C*.tif")
                build_vrt(sorted(set(tifs) | set(earlier)), vrt)
                derived.setdefault(pid, []).append(vrt.relative_to(dest).as_posix())
    return derived
