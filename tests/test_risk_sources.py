"""The regional smoothed-seismicity source model (risk.sources)."""

from __future__ import annotations

import numpy as np
import pytest

from carlcities.errors import HazardError
from carlcities.risk.sources import (
    SourceModel,
    event_set_for,
    load_source_model,
    model_from_catalogues,
    write_source_model,
)
from tests.conftest import shared_file


def test_packaged_model_reads_and_matches_a_refit_of_the_catalogues():
    packaged = load_source_model()
    assert 0.5 < packaged.b < 1.2 and packaged.lon.size > 1000
    cent = shared_file("earthquakes/usgs_centennial_Y2K_central_asia_bbox.txt")
    noaa = shared_file("earthquakes/noaa_ncei_signif_earthquakes_central_asia.tsv")
    refit = model_from_catalogues((str(cent), str(noaa)))
    assert refit.b == pytest.approx(packaged.b, abs=1e-4)
    assert refit.total_rate() == pytest.approx(packaged.total_rate(), rel=1e-4)
    assert refit.lon.size == packaged.lon.size


def test_event_set_rates_follow_the_truncated_gutenberg_richter_law():
    m = SourceModel(np.array([70.0]), np.array([40.0]), np.array([0.1]), np.array([7.5]),
                    b=1.0, b_sigma=0.0, mref=5.5, n_events=1, source="toy")
    es = event_set_for(m, 70.0, 40.0, radius_km=50, mmin=5.0, mag_step=0.5)
    # N(>=m) = A (10^-m - 10^-7.5), A fixed by N(>=5.5) = 0.1
    A = 0.1 / (10**-5.5 - 10**-7.5)
    assert es.rate.sum() == pytest.approx(A * (10**-5.0 - 10**-7.5))
    assert es.mag.tolist() == [5.25, 5.75, 6.25, 6.75, 7.25]
    assert es.rate[0] == pytest.approx(A * (10**-5.0 - 10**-5.5))
    with pytest.raises(HazardError, match="no seismic source cell"):
        event_set_for(m, 80.0, 50.0, radius_km=100)


def test_written_model_round_trips(tmp_path):
    m = SourceModel(np.array([70.0, 70.2]), np.array([40.0, 40.0]), np.array([0.1, 2e-3]),
                    np.array([7.5, 8.0]), b=0.9, b_sigma=0.05, mref=5.5, n_events=42,
                    source="toy")
    p = write_source_model(m, tmp_path / "s.csv")
    back = load_source_model(str(p))
    assert back.b == 0.9 and back.n_events == 42 and back.rate.tolist() == [0.1, 0.002]
    (tmp_path / "bad.csv").write_text("lon,lat,rate,mmax\n1,2,3,4\n")
    with pytest.raises(HazardError, match="header"):
        load_source_model(str(tmp_path / "bad.csv"))
