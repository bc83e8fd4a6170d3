"""The USGS PAGER empirical fatality model, as an independent check of the scenario deaths.

Jaiswal and Wald (2010) fit, country by country, the share of the exposed population that
died in past earthquakes as a lognormal function of the shaking intensity S (MMI)::

    ν(S) = Φ( ln(S / θ) / β )

and the expected deaths of an event are E = Σ_j P_j · ν(S_j) over the population P_j exposed
at intensity S_j. θ and β per country are those of the PAGER software
(``losspager/data/fatality.xml``, packaged in ``data/pager_fatality.csv`` with their source);
countries with few fatal events share a regional group's parameters (``status = InGroup``).

carlcities uses it as a *second opinion* beside the engineering estimate of
:mod:`carlcities.risk.losses` (fatality curves × occupants): it needs only residents and an
intensity map, was calibrated on observed deaths, and is blind to the building classes.
The intensity is the Bindi et al. (2011) MSK-64 prediction; MSK-64 and MMI are treated as
equal up to XII, as the two scales are built on the same damage descriptions (a simplification
of about half a degree). PAGER bins the exposed population by whole MMI degrees; here each
500 m block keeps its continuous intensity. Intensities above X are evaluated at X (PAGER's
highest bin), and the rate is 0 below V.

References
----------
Jaiswal, K. S. and Wald, D. J. (2010). An empirical model for global earthquake fatality
estimation. Earthquake Spectra 26(4):1017–1037. https://doi.org/10.1193/1.3480331

Jaiswal, K. S., Wald, D. J. and Hearne, M. (2009). Estimating casualties for large worldwide
earthquakes using an empirical approach. USGS Open-File Report 2009-1136.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.stats import norm

from carlcities.errors import HazardError

__all__ = ["PagerModel", "fatality_rate", "expected_fatalities", "load_pager_models",
           "DEFAULT_PATH", "MIN_INTENSITY", "MAX_INTENSITY"]

DEFAULT_PATH = Path(__file__).with_name("data") / "pager_fatality.csv"
MIN_INTENSITY = 5.0   # below V the model gives no deaths (rates there are < 1e-10 anyway)
MAX_INTENSITY = 10.0  # PAGER's highest intensity bin


@dataclass(frozen=True)
class PagerModel:
    """PAGER empirical fatality parameters of one country: θ [MMI] and β [-]."""

    iso3: str
    ccode: str
    theta: float
    beta: float
    status: str
    source: str


def fatality_rate(intensity, theta: float, beta: float) -> np.ndarray:
    """ν(S) = Φ(ln(S/θ)/β) [deaths per exposed person] for intensity S [MMI ≈ MSK-64].

    Intensities above X are evaluated at X; below V the rate is 0.
    """
    s = np.asarray(intensity, dtype=float)
    if theta <= 0 or beta <= 0:
        raise HazardError(f"PAGER parameters must be positive (theta={theta}, beta={beta})",
                          fix="use the theta and beta of data/pager_fatality.csv")
    rate = norm.cdf(np.log(np.clip(s, MIN_INTENSITY, MAX_INTENSITY) / theta) / beta)
    return np.where(np.isfinite(s) & (s >= MIN_INTENSITY), rate, 0.0)


def expected_fatalities(intensity, population, model: PagerModel) -> float:
    """E = Σ P_j · ν(S_j) [persons] over sites with intensity S_j and residents P_j."""
    pop = np.asarray(population, dtype=float)
    if np.any(pop < 0):
        raise HazardError("negative population given to the PAGER fatality model",
                          fix="pass residents per site (persons ≥ 0)")
    return float(np.sum(pop * fatality_rate(intensity, model.theta, model.beta)))


def load_pager_models(path: str | Path | None = None) -> dict[str, PagerModel]:
    """PAGER parameters by ISO3 code (the packaged table, or a user's CSV of the same form)."""
    return dict(_load(str(path) if path else str(DEFAULT_PATH)))


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[tuple[str, PagerModel], ...]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise HazardError(f"cannot read the PAGER parameter table: {exc.strerror}", path=path,
                          fix="give the path of a CSV with iso3, ccode, theta, beta, status, "
                              "source") from None
    out = []
    for i, r in enumerate(csv.DictReader(line for line in text.splitlines()
                                         if not line.startswith("#")), start=2):
        try:
            m = PagerModel(r["iso3"], r["ccode"], float(r["theta"]), float(r["beta"]),
                           r["status"], r["source"])
        except (KeyError, TypeError, ValueError):
            raise HazardError(f"row {i} is not iso3, ccode, theta, beta, status, source",
                              path=path, fix="fill every column; theta and beta are numbers"
                              ) from None
        if m.theta <= 0 or m.beta <= 0:
            raise HazardError(f"row {i} ({m.iso3}): theta and beta must be positive",
                              path=path, fix="copy them from PAGER's fatality.xml")
        out.append((m.iso3, m))
    return tuple(out)
