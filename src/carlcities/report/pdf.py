"""Print-ready PDFs of the report pages (A4, page numbers, a contents page, figures kept whole).

The PDF is the page itself printed: the same template and stylesheet, plus ``static/print.css``
(inlined into every page under ``<style media="print">``, so a browser's "Print" gives the same
layout). WeasyPrint lays the pages out; it needs the Pango libraries of the operating system
(Debian: ``libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b``; fonts with Cyrillic:
``fonts-dejavu-core``). Without them :func:`write_pdf` raises :class:`ReportError` naming what
to install; nothing else of the report depends on it.

``carlcities report --out OUT --pdf`` writes ``OUT/report/pdf/CITY.en.pdf``, ``CITY.ru.pdf``,
``index.en.pdf`` and ``index.ru.pdf``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import CarlError
from ..files import atomic_path

__all__ = ["PDF_LANGS", "ReportError", "pdf_available", "write_pdf", "write_pdfs"]

PDF_LANGS = ("en", "ru")
_FIX = ("pip install weasyprint (PyPI), and on Debian/Ubuntu: apt-get install -y "
        "--no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core")


class ReportError(CarlError, RuntimeError):
    """A report (HTML or PDF) could not be written."""


def pdf_available() -> str | None:
    """``None`` when PDFs can be written here, else the reason."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:   # OSError: Pango missing
        return f"WeasyPrint cannot be loaded: {exc}"
    return None


def write_pdf(html: Path, pdf: Path) -> Path:
    """Lay out one HTML page as an A4 PDF (written through a ``.part`` file)."""
    why = pdf_available()
    if why:
        raise ReportError(why, path=html, fix=_FIX)
    import weasyprint

    pdf.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_path(pdf) as tmp:
            weasyprint.HTML(filename=str(html), base_url=str(html.parent)).write_pdf(str(tmp))
    except OSError as exc:
        raise ReportError(f"cannot write the PDF: {exc}", path=pdf,
                          fix="check free space and permissions of the report folder") from exc
    return pdf


def _one(job: tuple[str, str]) -> str:
    return str(write_pdf(Path(job[0]), Path(job[1])))


def write_pdfs(report: Path, *, cities: Iterable[str] | None = None,
               langs: Iterable[str] = PDF_LANGS, workers: int = 1,
               progress: Callable[[str], None] | None = None) -> list[Path]:
    """PDFs of the regional page and of each city page (``cities``: slugs; default all) in
    ``report/pdf/``; pages are laid out in ``workers`` processes."""
    report = Path(report)
    want = None if cities is None else set(cities)
    jobs: list[tuple[str, str]] = []
    for lang in langs:
        jobs.append((str(report / f"index.{lang}.html"), str(report / "pdf" / f"index.{lang}.pdf")))
        for page in sorted((report / "cities").glob(f"*.{lang}.html")):
            stem = page.name[: -len(f".{lang}.html")]
            if want is None or stem in want:
                jobs.append((str(page), str(report / "pdf" / f"{stem}.{lang}.pdf")))
    missing = [j[0] for j in jobs if not Path(j[0]).is_file()]
    if missing:
        raise ReportError("page to print is missing", path=missing[0],
                          fix="rebuild the report: carlcities report --out OUT")
    if workers > 1 and len(jobs) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as ex:
            done = [Path(p) for p in ex.map(_one, jobs)]
    else:
        done = [Path(_one(j)) for j in jobs]
    if progress:
        progress(f"wrote {len(done)} PDFs in {report / 'pdf'}")
    return done
