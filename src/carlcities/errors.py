"""Public errors and warnings of carlcities.

Every error derives from :class:`CarlError` and also from the matching built-in exception, so
callers may catch either. Every message names the file (or the setting) and says how to fix the
problem. Warnings have their own types so that users can filter them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CarlError",
    "ConfigError",
    "CatalogError",
    "UnknownCityError",
    "InputFileError",
    "RasterError",
    "CRSError",
    "NodataError",
    "CoverageError",
    "BandCountError",
    "DataValueError",
    "GeometryError",
    "StoreError",
    "OutputDirError",
    "PreflightError",
    "CarlWarning",
    "ReprojectionWarning",
    "DefaultUsedWarning",
    "OSMError",
    "NetworkError",
    "RiskInputError",
    "VulnerabilityError",
    "ExposureError",
    "HazardError",
    "ScenarioError",
    "AppraisalError",
    "ClampWarning",
    "FallbackWarning",
    "ScorecardError",
    "WorkbookError",
    "SurveyError",
]


class CarlError(Exception):
    """Root of every carlcities error.

    ``path`` names the file at fault (if any) and ``fix`` says what to do about it; both are
    part of the message.
    """

    def __init__(self, message: str, *, path: str | Path | None = None, fix: str | None = None):
        self.path = str(path) if path is not None else None
        self.fix = fix
        parts = []
        if self.path:
            parts.append(f"{self.path}: ")
        parts.append(message)
        if fix:
            parts.append(f"\n  fix: {fix}")
        self.message = "".join(parts)
        super().__init__(self.message)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class ConfigError(CarlError, ValueError):
    """The study configuration (YAML) is invalid: unknown key, wrong type, bad value."""


class CatalogError(CarlError, ValueError):
    """The city catalogue file is malformed."""


class UnknownCityError(CarlError, KeyError):
    """A city id or name is not in the catalogue (the message suggests near matches)."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.message


class InputFileError(CarlError, OSError):
    """An input file is missing, unreadable, corrupt or truncated."""


class RasterError(InputFileError):
    """A raster cannot be used as given (wrong structure for its product)."""


class CRSError(RasterError):
    """A layer has no coordinate reference system, or one that cannot be interpreted."""


class NodataError(RasterError):
    """A raster has no nodata value where its product needs one."""


class CoverageError(RasterError):
    """A layer does not cover the city's study area (or zones do not overlap it)."""


class BandCountError(RasterError):
    """A raster has a different number of bands from the one its product defines."""


class DataValueError(CarlError, ValueError):
    """Values in an input are impossible: negative or NaN population, shares above 1, ..."""


class GeometryError(CarlError, ValueError):
    """Vector geometries are invalid, empty or do not overlap the study area."""


class StoreError(CarlError, RuntimeError):
    """The results store cannot be opened or written."""


class OutputDirError(StoreError):
    """The output directory belongs to another study or cannot be written."""


class PreflightError(CarlError, ValueError):
    """The check before a run found problems in its inputs; ``problems`` holds each one (a
    :class:`CarlError` naming its file and fix). Nothing was written."""

    def __init__(self, problems: list[CarlError]):
        self.problems = list(problems)
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} found before any city started "
                 "(nothing was written):"]
        for i, p in enumerate(self.problems, 1):
            text = str(p).replace("\n", "\n     ")
            lines.append(f"  {i}. {text}")
        super().__init__("\n".join(lines))


class CarlWarning(UserWarning):
    """Root of carlcities warnings."""


class ReprojectionWarning(CarlWarning):
    """An input was reprojected to the city grid's CRS (recorded in the provenance)."""


class DefaultUsedWarning(CarlWarning):
    """A default value stood in for missing data (recorded in the provenance)."""


class ScorecardError(CarlError, ValueError):
    """A scorecard answers file or workbook cannot be used as given.

    ``problems`` lists every fault found, each as ``(where, what, fix)``: ``where`` is a row
    (``row 7``), a YAML key (``answers.P2.1``) or a workbook cell (``Essential 2!E7``).
    """

    def __init__(self, message: str, *, path: str | Path | None = None, fix: str | None = None,
                 problems: list[tuple[str, str, str]] | None = None):
        self.problems = list(problems or [])
        if self.problems and len(self.problems) > 1:
            lines = [f"{len(self.problems)} problems:"] + [
                f"  {w}: {m}\n    fix: {f}" for w, m, f in self.problems[:50]]
            if len(self.problems) > 50:
                lines.append(f"  ... and {len(self.problems) - 50} more")
            message = (message + "\n" if message else "") + "\n".join(lines)
        elif self.problems:
            w, m, f = self.problems[0]
            message = (message + ": " if message else "") + f"{w}: {m}"
            fix = fix or f
        super().__init__(message, path=path, fix=fix)


class WorkbookError(ScorecardError):
    """A scorecard workbook (Excel) has missing sheets or columns, or no header row."""


class SurveyError(ScorecardError):
    """A stakeholder survey file is malformed: a respondent twice, a judgement out of scale, ..."""


class OSMError(InputFileError):
    """An OpenStreetMap file (PBF) cannot be read: missing, truncated, not PBF, or empty."""


class NetworkError(CarlError, ValueError):
    """A street network cannot be built or used: no ways in the study area, no nodes, ..."""


class RiskInputError(CarlError, ValueError):
    """An input of the risk engine is unusable: negative rates, a magnitude outside a model's
    range, intensities in the wrong unit (cm/s² where g is expected), ..."""


class VulnerabilityError(RiskInputError):
    """A vulnerability, fragility or fatality model (OpenQuake NRML 0.5) or its taxonomy
    mapping cannot be used: not NRML, not valid, loss ratios outside 0–1, ..."""


class ExposureError(RiskInputError):
    """An exposure model (GEM CSV or built from the grid) is malformed: missing columns,
    negative values, unknown occupancy, ..."""


class HazardError(RiskInputError):
    """A hazard input (earthquake catalogue, rupture, flood depth raster, temperature series)
    is malformed or out of range."""


class ScenarioError(CarlError, ValueError):
    """An urban growth scenario file is invalid: unknown id, contradictory levers, a lever
    naming a hazard layer that does not exist, ..."""


class AppraisalError(CarlError, ValueError):
    """An appraisal input is unusable: an option library, weights, a criterion without values,
    an inconsistent AHP matrix, ..."""


class ClampWarning(CarlWarning):
    """Intensities fell outside a curve's range and were clamped (the count is in the text)."""


class FallbackWarning(CarlWarning):
    """A fallback stood in for something unknown (a taxonomy class, a country mix): says how
    many assets it affected."""


class DataSourceError(CarlError, ValueError):
    """A request to ``carlcities data fetch`` cannot be served from the source catalogue
    (src/carlcities/data/data_sources.yaml): an epoch the product does not have, a country it
    does not cover, a malformed catalogue entry, ..."""


class UnknownProductError(DataSourceError, KeyError):
    """A product id is not in the source catalogue (the message lists the known ids)."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.message


class FetchError(CarlError, OSError):
    """Root of download failures; ``url`` names what was being fetched. A failed download
    leaves every file fetched before it, and the data manifest, as they were."""

    def __init__(self, message: str, *, url: str | None = None, path: str | Path | None = None,
                 fix: str | None = None):
        self.url = url
        if url:
            message = f"{message} [{url}]"
        super().__init__(message, path=path, fix=fix)


class DownloadError(FetchError):
    """The network failed (no connection, timeout, server error) after every retry."""


class RemoteNotFoundError(DownloadError):
    """The server answered 404 / 410: the file is not (or no longer) at that URL."""


class ChecksumError(FetchError):
    """A downloaded file's sha256 differs from the expected one; the file is not kept."""


class DestinationError(FetchError):
    """The destination folder cannot be created or written (permissions, full disk, ...)."""


class CredentialError(FetchError):
    """A publisher that asks for a login (NASA Earthdata, the EOG night-lights portal, ...)
    got none, or refused the one given (HTTP 401/403). The message names the environment
    variables or the ``~/.netrc`` machine that are read, and the publisher's sign-up page;
    the credential itself is never written to a message, a log or the manifest."""


class ProductFileError(FetchError):
    """A downloaded file is not what the product publishes (not a GeoTIFF, not a ZIP, not
    the JSON of a point service): it is kept aside, and the message names the product."""


__all__ += ["DataSourceError", "UnknownProductError", "FetchError", "DownloadError",
            "RemoteNotFoundError", "ChecksumError", "DestinationError", "CredentialError",
            "ProductFileError"]


class PortalError(CarlError, ValueError):
    """Root of the study portal's account and storage errors (``carlcities serve``,
    ``carlcities users``): a bad user name, role, city or answer."""


class LoginRefused(PortalError):
    """The user name or password is wrong (the message never says which), or the account is
    disabled."""


class LoginRateLimited(LoginRefused):
    """Too many failed logins for this user name from this client (or from this client in
    all): ``retry_after`` seconds until the next attempt is allowed."""

    def __init__(self, message: str, *, retry_after: int, fix: str | None = None):
        self.retry_after = int(retry_after)
        super().__init__(message, fix=fix)


class PermissionDenied(PortalError, PermissionError):
    """The signed-in user's role does not allow the action on this city."""


class EditConflict(PortalError):
    """Someone saved the same answer since the editor opened it: ``theirs`` is the stored
    answer now, ``yours`` the values that were not saved. Nothing was overwritten."""

    def __init__(self, message: str, *, theirs, yours: dict, fix: str | None = None):
        self.theirs = theirs
        self.yours = dict(yours)
        super().__init__(message, fix=fix)


class PublishError(CarlError, RuntimeError):
    """``carlcities publish`` cannot write the study to the PostgreSQL/PostGIS database (no
    connection, no PostGIS extension, no rights on the schema)."""


__all__ += ["PortalError", "LoginRefused", "LoginRateLimited", "PermissionDenied",
            "EditConflict", "PublishError"]
