"""MCDA against pymcdm and worked examples; AHP on Saaty's example and analytic cases."""

from __future__ import annotations

import numpy as np
import pytest
from pymcdm.methods import PROMETHEE_II, TOPSIS
from pymcdm.normalizations import minmax_normalization, vector_normalization

from carlcities.appraisal.mcda import (
    ahp,
    load_profiles,
    minmax_normalise,
    promethee_ii,
    topsis,
    weighted_sum,
)
from carlcities.errors import AppraisalError
from carlcities.scorecard.survey import ahp_weights

M = np.array([[250.0, 16, 12, 5], [200, 16, 8, 3], [300, 32, 16, 4], [275, 32, 8, 4],
              [225, 16, 16, 2]])
T = np.array([-1, 1, 1, 1])
W = np.array([0.25, 0.25, 0.25, 0.25])


def test_topsis_equals_pymcdm():
    ref = TOPSIS(vector_normalization)(M, W, T)
    assert np.allclose(topsis(M, W, T), ref, atol=1e-12)
    w2 = np.array([[0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]])
    got = topsis(M, w2, T)
    for k in range(2):
        assert np.allclose(got[k], TOPSIS(vector_normalization)(M, w2[k], T), atol=1e-12)


def test_topsis_by_hand_two_options():
    # two options, one benefit criterion: the better is the ideal (C = 1), the other 0
    assert topsis([[1.0], [3.0]], [1.0], [1]).tolist() == [0.0, 1.0]


def test_weighted_sum_by_hand():
    x = [[1, 10], [2, 20], [3, 15]]
    # col 1 benefit: 0, 0.5, 1; col 2 cost: (20 − x)/10 = 1, 0, 0.5
    assert np.allclose(weighted_sum(x, [0.6, 0.4], [1, -1]), [0.4, 0.3, 0.8])
    for j, t in enumerate(T):
        assert np.allclose(minmax_normalise(M, T)[:, j], minmax_normalization(M[:, j], t < 0))


def test_promethee_usual_by_hand_and_pymcdm():
    x = np.array([[4, 3, 2], [3, 2, 4], [5, 1, 3]])
    w = np.array([0.5, 0.3, 0.2])
    # π(1,2)=.8, π(2,1)=.2, π(1,3)=.3, π(3,1)=.7, π(2,3)=.5, π(3,2)=.5 -> φ = .1, −.3, .2
    assert np.allclose(promethee_ii(x, w, [1, 1, 1]), [0.1, -0.3, 0.2])
    assert np.allclose(promethee_ii(M, W, T), PROMETHEE_II("usual")(M, W, T))


def test_promethee_vshape_and_linear():
    x = np.array([[0.0], [1.0], [3.0]])
    # V-shape p = 2: P(d) = d/2 up to 2. π(2,1)=.5, π(3,1)=1, π(3,2)=1
    phi = promethee_ii(x, [1.0], [1], preference="vshape", p=[2.0])
    assert np.allclose(phi, [(0 - 1.5) / 2, (0.5 - 1) / 2, (2 - 0) / 2])
    # linear q = 0.5, p = 2.5: P(1) = 0.25, P(2) = 0.75, P(3) = 1
    phi = promethee_ii(x, [1.0], [1], preference="linear", q=[0.5], p=[2.5])
    assert np.allclose(phi, [(0 - 1.25) / 2, (0.25 - 0.75) / 2, (1.75 - 0) / 2])
    p, q = [60.0, 10, 5, 2], [10.0, 2, 1, 0.5]
    assert np.allclose(promethee_ii(M, W, T, preference="linear", p=p, q=q),
                       PROMETHEE_II("vshape_2", p=p, q=q)(M, W, T))
    with pytest.raises(AppraisalError, match="needs the thresholds p"):
        promethee_ii(M, W, T, preference="vshape")


def test_ahp_saaty_example():
    # Saaty (1980) 3×3 example: w ≈ (0.637, 0.258, 0.105), λmax ≈ 3.039, CR ≈ 0.033
    a = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
    r = ahp(a)
    assert np.allclose(r.weights, [0.6370, 0.2583, 0.1047], atol=5e-4)
    assert r.lambda_max == pytest.approx(3.0385, abs=5e-4)
    assert r.ci == pytest.approx((r.lambda_max - 3) / 2)
    assert r.cr == pytest.approx(r.ci / 0.58) and r.cr == pytest.approx(0.033, abs=1e-3)
    assert r.consistent
    assert np.allclose(r.weights, ahp_weights(np.array(a))[0])     # the scorecard's AHP


def test_ahp_consistent_matrix_recovers_weights():
    w = np.array([0.4, 0.3, 0.2, 0.1])
    r = ahp(w[:, None] / w[None, :])
    assert np.allclose(r.weights, w) and r.lambda_max == pytest.approx(4)
    assert r.cr == pytest.approx(0, abs=1e-9)


def test_ahp_inconsistent_is_reported():
    a = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.raises(AppraisalError, match="inconsistent.*CR"):
        ahp(a)
    r = ahp(a, strict=False)
    assert not r.consistent and r.cr > 0.1
    with pytest.raises(AppraisalError, match="reciprocal"):
        ahp([[1, 2], [2, 1]])


def test_bundled_profiles():
    ps = load_profiles()
    assert set(ps) == {"emergency_ministry", "city_finance", "environment_agency"}
    for p in ps.values():
        assert sum(p.weights.values()) == pytest.approx(1) and p.consistent
    assert ps["environment_agency"].cr < 0.1
    assert max(ps["environment_agency"].weights, key=ps["environment_agency"].weights.get) \
        == "avoided_t_co2e_yr"


def test_inconsistent_profile_flagged(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("""profiles:
  - id: bad
    ahp:
      criteria: [npv_usd, bcr, feasibility]
      matrix: [[1, 9, 1/9], [1/9, 1, 9], [9, 1/9, 1]]
""", encoding="utf-8")
    p = load_profiles(f)["bad"]
    assert not p.consistent and "CR" in p.flags[0]
    f.write_text("profiles:\n  - id: x\n    weights: {happiness: 1}\n", encoding="utf-8")
    with pytest.raises(AppraisalError, match="unknown criteria"):
        load_profiles(f)
