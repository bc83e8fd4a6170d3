"""AHP, consistency, geometric-mean aggregation, Kendall's W and survey files."""

from __future__ import annotations

import numpy as np
import pytest

from carlcities.errors import SurveyError
from carlcities.scorecard import (
    ahp_weights,
    consistency_ratio,
    geometric_mean_matrix,
    kendall_w,
    read_surveys,
    survey_weights,
)
from carlcities.scorecard.demo import DEMO_PROFILES, demo_judgements

HEADER = "respondent,profile,type,criterion,versus,value\n"


def test_ahp_consistent_matrix_by_hand():
    # weights 4:2:1 -> a perfectly consistent matrix: lambda_max = n, CR = 0
    m = np.array([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    w, lam = ahp_weights(m)
    assert w == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert lam == pytest.approx(3.0)
    assert consistency_ratio(m) == pytest.approx(0.0, abs=1e-9)


def test_ahp_inconsistent_cr_by_hand():
    # a > b (3), b > c (3), but c > a (3): lambda_max = 1 + 3^(2/3)... solved: for the circulant
    # matrix [[1,3,1/3],[1/3,1,3],[3,1/3,1]] lambda_max = 1 + 3 + 1/3 = 4.333; CI = 0.667;
    # CR = 0.667 / 0.58 = 1.149
    m = np.array([[1, 3, 1 / 3], [1 / 3, 1, 3], [3, 1 / 3, 1]])
    w, lam = ahp_weights(m)
    assert w == pytest.approx([1 / 3] * 3)
    assert lam == pytest.approx(13 / 3)
    assert consistency_ratio(m) == pytest.approx((13 / 3 - 3) / 2 / 0.58)


def test_geometric_mean_keeps_reciprocity():
    a = np.array([[1, 4], [1 / 4, 1]])
    b = np.array([[1, 1], [1, 1]])
    g = geometric_mean_matrix([a, b])
    assert g[0, 1] == pytest.approx(2.0) and g[1, 0] == pytest.approx(0.5)


def test_kendall_w_by_hand():
    # three raters in full agreement -> 1
    assert kendall_w(np.array([[3, 2, 1], [30, 20, 10], [0.9, 0.5, 0.1]])) == pytest.approx(1.0)
    # two raters in opposite order: R = (4, 4, 4) -> S = 0 -> W = 0
    assert kendall_w(np.array([[1, 2, 3], [3, 2, 1]])) == pytest.approx(0.0)
    # ties: rater 1 ranks (1, 2.5, 2.5) (one tie group t=2 -> T = 6), rater 2 (1, 2, 3)
    # R = (2, 4.5, 5.5), mean 4, S = 4 + 0.25 + 2.25 = 6.5
    # W = 12*6.5 / (4*(27-3) - 2*6) = 78 / 84
    assert kendall_w(np.array([[1, 2, 2], [1, 2, 3]])) == pytest.approx(78 / 84)
    assert np.isnan(kendall_w(np.array([[1, 2, 3]])))


def _write(tmp_path, text, name="s.csv"):
    p = tmp_path / name
    p.write_text(HEADER + text, encoding="utf-8")
    return p


def test_survey_file_weights_and_flags(tmp_path):
    good = "".join(f"r{k},ministry,pairwise,risk,cost,{v}\nr{k},ministry,pairwise,risk,carbon,4\n"
                   f"r{k},ministry,pairwise,cost,carbon,2\nr{k},ministry,likert,risk,,5\n"
                   for k, v in ((1, 2), (2, "2")))
    bad = ("r3,ministry,pairwise,risk,cost,1/9\nr3,ministry,pairwise,risk,carbon,9\n"
           "r3,ministry,pairwise,cost,carbon,9\n")
    p = _write(tmp_path, good + bad)
    prof = survey_weights(read_surveys([p]))["ministry"]
    assert prof.weights["risk"] == pytest.approx(4 / 7, rel=1e-6)   # consistent ones only
    flagged = [r["respondent"] for r in prof.respondents if r["consistent"] is False]
    assert flagged == ["r3"] and prof.n_inconsistent == 1
    assert prof.group_cr == pytest.approx(0, abs=1e-9)
    assert 0 <= prof.kendall_w <= 1
    js = prof.as_json()
    assert js["respondents"][2]["cr"] > 0.1 and js["likert_weights"] == {"risk": 1.0}


def test_respondent_twice_and_bad_values(tmp_path):
    p = _write(tmp_path, "r1,ministry,pairwise,risk,cost,3\nr1,ministry,pairwise,cost,risk,1/3\n")
    with pytest.raises(SurveyError, match="answered pairwise cost vs risk twice") as e:
        read_surveys([p])
    assert "row 2" in str(e.value) and "distinct ids" in str(e.value)
    q = _write(tmp_path, "r1,finance,likert,risk,,4\n", "b.csv")
    p2 = _write(tmp_path, "r1,ministry,likert,risk,,4\n", "a.csv")
    with pytest.raises(SurveyError, match="appears in profile"):
        read_surveys([p2, q])
    bad = _write(tmp_path, "r1,m,pairwise,risk,cost,high\nr2,m,pairwise,risk,cost,12\n"
                           "r3,m,likert,risk,,7\nr4,m,vote,risk,,1\n", "bad.csv")
    with pytest.raises(SurveyError) as e:
        read_surveys([bad])
    msg = str(e.value)
    assert "4 problems" in msg and "row 2: value 'high' is not a number" in msg
    assert "row 3: judgement '12' is outside Saaty's scale" in msg
    assert "row 4: Likert value '7'" in msg and "row 5: type 'vote'" in msg


def test_missing_pair_is_reported(tmp_path):
    p = _write(tmp_path, "r1,m,pairwise,a,b,3\nr1,m,pairwise,b,c,3\nr2,m,pairwise,a,c,2\n")
    with pytest.raises(SurveyError, match="gave no judgement for"):
        survey_weights(read_surveys([p]))


def test_excel_survey(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Survey of the city finance department"])
    ws.append([])
    ws.append(["Value", "Respondent", "Profile", "Type", "Criterion", "Versus"])
    ws.append([3, "f1", "finance", "pairwise", "cost", "risk"])
    ws.append(["1/2", "f2", "finance", "pairwise", "cost", "risk"])
    wb.save(tmp_path / "s.xlsx")
    prof = survey_weights(read_surveys([tmp_path / "s.xlsx"]))["finance"]
    # geometric mean of 3 and 1/2 = sqrt(1.5): w_cost = 1.2247 / 2.2247
    assert prof.weights["cost"] == pytest.approx(1.5 ** 0.5 / (1 + 1.5 ** 0.5))


def test_demo_surveys():
    profs = survey_weights(demo_judgements(), synthetic=True)
    assert set(profs) == set(DEMO_PROFILES)
    for name, p in profs.items():
        assert p.synthetic and p.n_inconsistent >= 1
        assert sum(p.weights.values()) == pytest.approx(1.0)
        top = max(p.weights, key=p.weights.get)
        base = dict(zip(p.criteria, DEMO_PROFILES[name]))
        assert top == max(base, key=base.get)
        assert p.group_cr <= 0.1 and p.kendall_w > 0.3
