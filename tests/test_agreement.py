"""Agreement statistics: worked examples, independent references, degenerate input.

References (test-only dependencies): `krippendorff`, statsmodels, scikit-learn, irrCAC.
Our functions are always called with warnings turned into errors and numpy's floating-point
errors raising, so a division warning anywhere is a failure.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import warnings
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.review import agreement as ag
from annotator.review.agreement import MISSING

TOL = 1e-9


@contextlib.contextmanager
def strict():
    """No warning of any kind, and numpy floating-point errors raise."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            yield


@contextlib.contextmanager
def quiet():
    """For the reference implementations, which may warn on their own."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            yield


def from_counts(table):
    """Units x categories count table -> units x raters matrix (raters filled in order)."""
    table = np.asarray(table, dtype=int)
    width = int(table.sum(axis=1).max())
    M = np.full((table.shape[0], width), MISSING)
    for u, row in enumerate(table):
        vals = np.repeat(np.arange(len(row)), row)
        M[u, : len(vals)] = vals
    return M


def from_2x2(a, b, c, d):
    """Two raters from a 2x2 table: (both 0, r1 0 & r2 1, r1 1 & r2 0, both 1)."""
    rows = [(0, 0)] * a + [(0, 1)] * b + [(1, 0)] * c + [(1, 1)] * d
    return np.array(rows)


# ------------------------------------------------------------------------------ worked examples

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", 4 coders x 12 units, nominal
KRIPP_12 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def kripp12_matrix():
    return np.array([[MISSING if v is None else v - 1 for v in coder] for coder in KRIPP_12]).T


def test_krippendorff_worked_example():
    M = kripp12_matrix()
    with strict():
        a = ag.krippendorff_alpha(M, 5)
    assert a == pytest.approx(113 / 152, abs=1e-12)
    assert round(a, 6) == 0.743421


def test_krippendorff_worked_example_coincidences():
    # the published coincidence matrix (values 1..5)
    expected = np.array(
        [
            [7, 4 / 3, 1 / 3, 1 / 3, 0],
            [4 / 3, 10, 4 / 3, 1 / 3, 0],
            [1 / 3, 4 / 3, 8, 1 / 3, 0],
            [1 / 3, 1 / 3, 1 / 3, 4, 0],
            [0, 0, 0, 0, 3],
        ]
    )
    with strict():
        o = ag.coincidence_matrix(kripp12_matrix(), 5)
    assert o.sum() == pytest.approx(40)  # n.. = pairable values
    np.testing.assert_allclose(o, expected, atol=1e-12)


def test_irrcac_documented_ac1_on_the_same_data():
    # irrCAC's doctest on this data set: AC1 = 0.77544, Fleiss (irrCAC's missing-data
    # variant, not ours) = 0.76117; pa = 0.81818
    M = kripp12_matrix()
    with strict():
        assert ag.gwet_ac1(M, 5) == pytest.approx(0.77544, abs=5e-6)
        assert ag.percent_agreement(M, 5) == pytest.approx(0.81818, abs=5e-6)


FLEISS_WIKIPEDIA = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_fleiss_wikipedia_example():
    M = from_counts(FLEISS_WIKIPEDIA)
    with strict():
        kappa, n = ag.fleiss_kappa(M, 5)
    assert n == 10
    assert round(kappa, 6) == 0.209931


# Fleiss (1971), 30 patients x 6 psychiatrists, 5 diagnoses (as in R irr::kappam.fleiss)
DIAGNOSES = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip


def test_fleiss_1971_diagnoses():
    M = np.array(DIAGNOSES) - 1
    with strict():
        kappa, n = ag.fleiss_kappa(M, 5)
    assert n == 30
    assert kappa == pytest.approx(0.4302445, abs=5e-8)


def test_cohen_2x2():
    M = from_2x2(20, 5, 10, 15)
    with strict():
        assert ag.cohen_kappa(M, 0, 1, 2) == pytest.approx(0.4, abs=1e-12)


def test_kappa_paradox():
    M = from_2x2(90, 5, 5, 0)
    with strict():
        assert ag.cohen_kappa(M, 0, 1, 2) == pytest.approx(-1 / 19, abs=1e-12)
        assert round(ag.gwet_ac1(M, 2), 6) == 0.889503
        # two raters, complete data: Fleiss' kappa is Scott's pi, here equal to -1/19 too
        assert ag.fleiss_kappa(M, 2)[0] == pytest.approx(-1 / 19, abs=1e-12)
        s = ag.statistics(
            [(u, r, int(M[u, r])) for u in range(len(M)) for r in range(2)], [0, 1]
        )
    assert s["percent_agreement"] == pytest.approx(0.9)
    (pair,) = s["cohen_kappa"]
    assert {k: pair[k] for k in ("a", "b", "n")} == {"a": 0, "b": 1, "n": 100}
    assert pair["kappa"] == pytest.approx(-1 / 19) and pair["kappa_too_few"] is False
    assert pair["kappa_ci95"][0] <= pair["kappa"] <= pair["kappa_ci95"][1]


def test_each_pair_s_kappa_interval_matches_a_plain_bootstrap():
    """The pair's 95% interval (multinomial weights over the distinct label pairs) against a
    plain bootstrap of the shared sentences' indices with scikit-learn's cohen_kappa_score;
    below the minimum of shared sentences the pair is marked too few to judge."""
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(5)
    truth = rng.integers(0, 3, 300)
    a = np.where(rng.random(300) < 0.75, truth, rng.integers(0, 3, 300))
    b = np.where(rng.random(300) < 0.75, truth, rng.integers(0, 3, 300))
    recs = [(u, "a", int(a[u])) for u in range(300)] + [(u, "b", int(b[u])) for u in range(300)]
    (pair,) = ag.statistics(recs, [0, 1, 2], bootstrap=2000)["cohen_kappa"]
    assert pair["kappa"] == pytest.approx(cohen_kappa_score(a, b))
    plain = [cohen_kappa_score(a[i], b[i]) for i in (rng.integers(0, 300, 300) for _ in range(2000))]
    lo, hi = np.percentile(plain, [2.5, 97.5])
    assert pair["kappa_ci95"] == pytest.approx([lo, hi], abs=0.02)
    few = ag.statistics(recs[:20] + recs[300:320], [0, 1, 2], min_items=30)["cohen_kappa"][0]
    assert few["n"] == 20 and few["kappa_too_few"] is True


# ------------------------------------------------------------------ naive reference computations


def naive_units(M):
    return [[int(v) for v in row if v != MISSING] for row in M]


def naive_percent(M):
    vals = []
    for row in naive_units(M):
        if len(row) < 2:
            continue
        pairs = [(a, b) for i, a in enumerate(row) for j, b in enumerate(row) if i != j]
        vals.append(sum(a == b for a, b in pairs) / len(pairs))
    return sum(vals) / len(vals) if vals else None


def naive_coincidence(M, k):
    o = np.zeros((k, k))
    for row in naive_units(M):
        if len(row) < 2:
            continue
        for i, a in enumerate(row):
            for j, b in enumerate(row):
                if i != j:
                    o[a, b] += 1 / (len(row) - 1)
    return o


def naive_with_majority(M, r):
    hits = total = 0
    for row in M:
        if row[r] == MISSING:
            continue
        others = Counter(int(v) for i, v in enumerate(row) if i != r and v != MISSING)
        if not others:
            continue
        ranked = others.most_common()
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            continue
        total += 1
        hits += ranked[0][0] == row[r]
    return hits / total if total else None


def naive_ac1(M, k):
    """Gwet (Handbook, 4th ed., eq. 2.8-2.9): pa over units with 2+ ratings, pi over all."""
    units = [u for u in naive_units(M) if u]
    pair = [u for u in units if len(u) >= 2]
    pa = sum(sum(u.count(c) * (u.count(c) - 1) for c in range(k)) / (len(u) * (len(u) - 1))
             for u in pair) / len(pair)
    pi = [sum(u.count(c) / len(u) for u in units) / len(units) for c in range(k)]
    pe = sum(p * (1 - p) for p in pi) / (k - 1)
    return (pa - pe) / (1 - pe)


def fleiss_table(M, k):
    """The count table of the units with the modal rating count, built independently."""
    units = naive_units(M)
    sizes = Counter(len(u) for u in units if len(u) >= 2)
    if not sizes:
        return None
    best = max(sizes.values())
    m = max(s for s, c in sizes.items() if c == best)
    return np.array([[u.count(c) for c in range(k)] for u in units if len(u) == m])


# The reference libraries skip only the tests that ask for them (fixtures below): the worked
# examples and the checks against the definitions above run without them.


@pytest.fixture(scope="module")
def kripp_reference():
    krippendorff = pytest.importorskip("krippendorff")

    def alpha(M, k):
        data = np.where(M == MISSING, np.nan, M).astype(float).T  # raters x units
        with quiet():
            return float(
                krippendorff.alpha(
                    reliability_data=data, value_domain=list(range(k)), level_of_measurement="nominal"
                )
            )
    return alpha


@pytest.fixture(scope="module")
def irrcac_ac1():
    pd = pytest.importorskip("pandas")
    irr_raw = pytest.importorskip("irrCAC.raw")

    def ac1(M, k):
        df = pd.DataFrame(np.where(M == MISSING, np.nan, M).astype(float))
        with quiet():
            res = irr_raw.CAC(df, categories=list(range(k)), digits=15).gwet()
        return float(res["est"]["coefficient_value"])
    return ac1


@pytest.fixture(scope="module")
def sm_inter_rater():
    return pytest.importorskip("statsmodels.stats.inter_rater")


@pytest.fixture(scope="module")
def sk_metrics():
    return pytest.importorskip("sklearn.metrics")


# --------------------------------------------------------------------- random data, hypothesis


@st.composite
def matrices(draw, min_raters=2, max_raters=10, max_units=80):
    R = draw(st.integers(min_raters, max_raters))
    k = draw(st.integers(2, 6))
    N = draw(st.integers(1, max_units))
    seed = draw(st.integers(0, 2**32 - 1))
    p_missing = draw(st.sampled_from([0.0, 0.2, 0.5, 0.8]))
    concentration = draw(st.sampled_from([0.05, 0.5, 5.0]))  # low: few labels dominate
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet(np.full(k, concentration))
    truth = rng.choice(k, size=N, p=shares)
    noise = rng.choice(k, size=(N, R), p=shares)
    agree = rng.random((N, R)) < rng.uniform(0, 1)
    M = np.where(agree, truth[:, None], noise)
    M[rng.random((N, R)) < p_missing] = MISSING
    return M.astype(np.int64), k


SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@SETTINGS
@given(matrices())
def test_alpha_matches_krippendorff_package(kripp_reference, data):
    M, k = data
    with strict():
        ours = ag.krippendorff_alpha(M, k)
        pa = ag.percent_agreement(M, k)
    units = [u for u in naive_units(M) if len(u) >= 2]
    if not units:
        assert ours is None and pa is None
        return
    assert pa == pytest.approx(naive_percent(M), abs=TOL)
    if len({v for u in units for v in u}) == 1:
        assert ours is None
        return
    assert ours == pytest.approx(kripp_reference(M, k), abs=TOL)


@SETTINGS
@given(matrices())
def test_coincidence_and_per_label_alpha(kripp_reference, data):
    M, k = data
    with strict():
        o = ag.coincidence_matrix(M, k)
        per = ag.per_label_alpha(M, k)
    np.testing.assert_allclose(o, naive_coincidence(M, k), atol=TOL)
    values = [v for u in naive_units(M) if len(u) >= 2 for v in u]
    for c in range(k):
        if not values or c not in values or all(v == c for v in values):
            assert per[c] is None
            continue
        B = np.where(M == MISSING, MISSING, (M == c).astype(np.int64))
        assert per[c] == pytest.approx(kripp_reference(B, 2), abs=TOL)


@SETTINGS
@given(matrices())
def test_fleiss_matches_statsmodels(sm_inter_rater, data):
    M, k = data
    with strict():
        ours, n = ag.fleiss_kappa(M, k)
    table = fleiss_table(M, k)
    if table is None:
        assert ours is None and n == 0
        return
    assert n == len(table)
    if (table.sum(axis=0) == table.sum()).any():
        assert ours is None
        return
    with quiet():
        ref = sm_inter_rater.fleiss_kappa(table, method="fleiss")
    assert ours == pytest.approx(ref, abs=TOL)


@SETTINGS
@given(matrices())
def test_cohen_matches_sklearn(sk_metrics, data):
    M, k = data
    R = M.shape[1]
    for i, j in itertools.combinations(range(R), 2):
        with strict():
            ours = ag.cohen_kappa(M, i, j, k)
        both = (M[:, i] != MISSING) & (M[:, j] != MISSING)
        if not both.any():
            assert ours is None
            continue
        a, b = M[both, i], M[both, j]
        if len(set(a.tolist()) | set(b.tolist())) == 1:
            assert ours is None
            continue
        with quiet():
            ref = sk_metrics.cohen_kappa_score(a, b)
        assert ours == pytest.approx(ref, abs=TOL)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrices(max_raters=8, max_units=50))
def test_ac1_matches_its_definition(data):
    M, k = data
    with strict():
        ours = ag.gwet_ac1(M, k)
    if not any(len(u) >= 2 for u in naive_units(M)):
        assert ours is None
        return
    assert ours == pytest.approx(naive_ac1(M, k), abs=TOL)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrices(max_raters=8, max_units=50))
def test_ac1_matches_irrcac(irrcac_ac1, data):
    M, k = data
    units = naive_units(M)
    # a unit rated twice (else AC1 is None), two rated units (irrCAC's variance divides by n - 1)
    if not any(len(u) >= 2 for u in units) or sum(1 for u in units if u) < 2:
        return
    with strict():
        ours = ag.gwet_ac1(M, k)
    # irrCAC rounds to `digits` (5 by default); asked for 15 it agrees to 1e-9
    assert ours == pytest.approx(irrcac_ac1(M, k), abs=TOL)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrices(max_units=40))
def test_statistics_is_json_contract_and_consistent(data):
    M, k = data
    labels = [f"L{c}" for c in range(k)]
    names = [f"ann{r}" for r in range(M.shape[1])]
    records = [
        (f"s{u}", names[r], labels[M[u, r]], float(u % 7))
        for u in range(M.shape[0])
        for r in range(M.shape[1])
        if M[u, r] != MISSING
    ]
    with strict():
        s = ag.statistics(records, labels, bootstrap=200)
    assert_json_safe(s)
    json.dumps(s, allow_nan=False)
    assert set(s) == CONTRACT_KEYS | {"reasons"}
    Mb, _, anns = ag.build_matrix(records, labels)
    assert s["annotations"] == len(records)
    assert s["units"] == sum(1 for u in naive_units(M) if u)
    assert s["pairable_units"] == sum(1 for u in naive_units(M) if len(u) >= 2)
    for field in ("percent_agreement", "krippendorff_alpha", "fleiss_kappa", "gwet_ac1",
                  "krippendorff_alpha_ci95"):
        assert (s[field] is None) == (field in s["reasons"])
    for entry in s["annotator_stats"]:
        r = anns.index(entry["annotator"])
        exp = naive_with_majority(Mb, r)
        if exp is None:
            assert entry["agreement_with_majority"] is None
        else:
            assert entry["agreement_with_majority"] == pytest.approx(exp, abs=TOL)
        assert entry["annotations"] == sum(entry["label_distribution"].values())
        mine = [rec[3] for rec in records if rec[1] == entry["annotator"]]
        assert entry["median_seconds"] == pytest.approx(float(np.median(mine)))
    if s["krippendorff_alpha_ci95"] is not None:
        lo, hi = s["krippendorff_alpha_ci95"]
        assert lo <= hi


CONTRACT_KEYS = {
    "units", "pairable_units", "annotations", "annotators", "labels", "percent_agreement",
    "krippendorff_alpha", "krippendorff_alpha_ci95", "krippendorff_alpha_ci95_over",
    "krippendorff_alpha_ci95_units", "fleiss_kappa", "fleiss_units", "gwet_ac1",
    "cohen_kappa", "per_label", "coincidence", "annotator_stats",
}  # fmt: skip


def assert_json_safe(obj):
    if obj is None or type(obj) in (bool, int, str):
        return
    if type(obj) is float:
        assert math.isfinite(obj)
        return
    if type(obj) is list:
        for x in obj:
            assert_json_safe(x)
        return
    if type(obj) is dict:
        for key, x in obj.items():
            assert type(key) is str
            assert_json_safe(x)
        return
    raise AssertionError(f"not JSON-safe: {type(obj)!r}")


# ------------------------------------------------------------------------------------ bootstrap


def test_bootstrap_is_deterministic_and_order_free():
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 3, 500)
    M = np.where(rng.random((500, 4)) < 0.8, truth[:, None], rng.integers(0, 3, (500, 4)))
    M[rng.random((500, 4)) < 0.2] = MISSING
    with strict():
        a = ag.alpha_bootstrap_ci(M, 3)
        b = ag.alpha_bootstrap_ci(M, 3)
        c = ag.alpha_bootstrap_ci(M[rng.permutation(500)], 3)
        d = ag.alpha_bootstrap_ci(M, 3, seed=7)
        alpha = ag.krippendorff_alpha(M, 3)
    assert a == b == c
    assert a != d
    assert a[0] < alpha < a[1]


def test_bootstrap_matches_row_resampling_in_distribution():
    """Multinomial over count patterns == resampling units: same interval up to MC error."""
    rng = np.random.default_rng(2)
    N = 300
    truth = rng.integers(0, 3, N)
    M = np.where(rng.random((N, 5)) < 0.7, truth[:, None], rng.integers(0, 3, (N, 5)))
    M[rng.random((N, 5)) < 0.3] = MISSING
    with strict():
        lo, hi = ag.alpha_bootstrap_ci(M, 3, n=4000)
    rows = np.random.default_rng(3)
    naive = []
    for _ in range(2000):
        sample = M[rows.integers(0, N, N)]
        naive.append(ag.krippendorff_alpha(sample, 3))
    nlo, nhi = np.percentile(naive, [2.5, 97.5])
    assert lo == pytest.approx(nlo, abs=0.015)
    assert hi == pytest.approx(nhi, abs=0.015)


# ----------------------------------------------------------------------------- degenerate input


def degenerate_cases():
    labels = ["a", "b", "c"]
    yield "empty", [], labels
    yield "one annotator", [(u, "x", "a" if u % 2 else "b") for u in range(10)], labels
    yield "no pairable unit", [(u, f"r{u % 3}", "a") for u in range(10)], labels
    yield "one label only", [(u, r, "b") for u in range(10) for r in ("x", "y", "z")], labels
    yield "one-label scheme", [(u, r, "a") for u in range(5) for r in ("x", "y")], ["a"]
    yield "single unit", [(0, "x", "a"), (0, "y", "b")], labels


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name,records,labels", list(degenerate_cases()))
def test_degenerate_input_gives_none_with_reason(name, records, labels):
    with strict():
        s = ag.statistics(records, labels)
    assert_json_safe(s)
    json.dumps(s, allow_nan=False)
    assert set(s) == CONTRACT_KEYS | {"reasons"}
    for field in ("percent_agreement", "krippendorff_alpha", "krippendorff_alpha_ci95",
                  "fleiss_kappa", "gwet_ac1"):
        if s[field] is None:
            assert s["reasons"][field]
    for label, entry in s["per_label"].items():
        if entry["alpha"] is None:
            assert s["reasons"][f"per_label[{label}].alpha"]
    for entry in s["cohen_kappa"]:
        if entry["kappa"] is None:
            assert s["reasons"][f"cohen_kappa[{entry['a']},{entry['b']}]"]
    if name in ("empty", "one annotator", "no pairable unit"):
        assert s["krippendorff_alpha"] is None
        assert s["percent_agreement"] is None
        assert s["fleiss_kappa"] is None and s["fleiss_units"] == 0
        assert s["gwet_ac1"] is None
        assert s["cohen_kappa"] == []
    if name == "one label only":
        assert s["percent_agreement"] == 1.0
        assert s["krippendorff_alpha"] is None
        assert s["krippendorff_alpha_ci95"] is None
        assert s["fleiss_kappa"] is None and s["fleiss_units"] == 10
        assert s["gwet_ac1"] == 1.0  # AC1 is defined here: full agreement, chance 0
        assert all(e["kappa"] is None for e in s["cohen_kappa"])
        assert s["per_label"]["b"] == {"count": 30, "alpha": None}
    if name == "one-label scheme":
        assert s["gwet_ac1"] is None and "gwet_ac1" in s["reasons"]
    if name == "single unit":
        # n = 2 values, both pairs disagree: alpha = 1 - (n - 1) * 2 / (n * n - 2) = 0
        assert s["krippendorff_alpha"] == 0.0
    if name == "empty":
        assert s["units"] == s["annotations"] == s["annotators"] == 0
        assert s["annotator_stats"] == []
        assert s["coincidence"] == {la: {lb: 0.0 for lb in labels} for la in labels}


@pytest.mark.filterwarnings("error")
def test_degenerate_matrix_functions():
    empty = np.zeros((0, 0), dtype=int)
    with strict():
        assert ag.krippendorff_alpha(empty, 3) is None
        assert ag.alpha_bootstrap_ci(empty, 3) is None
        assert ag.percent_agreement(empty, 3) is None
        assert ag.fleiss_kappa(empty, 3) == (None, 0)
        assert ag.gwet_ac1(empty, 3) is None
        assert ag.coincidence_matrix(empty, 3).shape == (3, 3)
        one = np.array([[0], [1], [2]])
        assert ag.krippendorff_alpha(one, 3) is None
        same = np.zeros((4, 3), dtype=int)
        assert ag.krippendorff_alpha(same, 3) is None
        assert ag.alpha_bootstrap_ci(same, 3) is None
        assert ag.cohen_kappa(same, 0, 1, 3) is None
        apart = np.array([[0, MISSING], [MISSING, 1]])
        assert ag.cohen_kappa(apart, 0, 1, 2) is None


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="label"):
        ag.build_matrix([(1, "x", "nope")], ["a", "b"])
    with pytest.raises(ValueError, match="two labels"):
        ag.build_matrix([(1, "x", "a"), (1, "x", "b")], ["a", "b"])
    with pytest.raises(ValueError, match="annotator"):
        ag.build_matrix([(1, "x", "a")], ["a", "b"], annotators=["y"])
    with pytest.raises(ValueError):
        ag.krippendorff_alpha(np.array([[0, 3]]), 3)
    with pytest.raises(ValueError):
        ag.krippendorff_alpha(np.array([0, 1]), 3)


def test_build_matrix_orders_and_fills():
    recs = [("s2", "bob", "b"), ("s1", "ann", "a"), ("s2", "ann", "a")]
    M, units, anns = ag.build_matrix(recs, ["a", "b"], annotators=["ann", "bob", "cid"])
    assert units == ["s2", "s1"]
    assert anns == ["ann", "bob", "cid"]
    assert M.tolist() == [[0, 1, MISSING], [0, MISSING, MISSING]]
    M2, _, anns2 = ag.build_matrix(iter(recs), ["a", "b"])
    assert anns2 == ["bob", "ann"]
    assert M2.tolist() == [[1, 0], [MISSING, 0]]


def test_seconds_sources():
    recs = [("s1", "ann", "a", 2.0), ("s2", "ann", "b", None), ("s3", "ann", "a", 4.0),
            ("s1", "bob", "a", 10.0)]  # fmt: skip
    labels = ["a", "b"]
    with strict():
        s = ag.statistics(recs, labels, bootstrap=0)
        by_map = ag.statistics([r[:3] for r in recs], labels, seconds={"ann": [1.0, 5.0, 6.0]})
        parallel = ag.statistics([r[:3] for r in recs], labels, seconds=[1, 2, 3, None])
    med = {e["annotator"]: e["median_seconds"] for e in s["annotator_stats"]}
    assert med == {"ann": 3.0, "bob": 10.0}
    assert s["krippendorff_alpha_ci95"] is None
    assert s["reasons"]["krippendorff_alpha_ci95"]
    assert by_map["annotator_stats"][0]["median_seconds"] == 5.0
    assert by_map["annotator_stats"][1]["median_seconds"] is None
    assert by_map["reasons"]["annotator_stats[bob].median_seconds"]
    assert [e["median_seconds"] for e in parallel["annotator_stats"]] == [2.0, None]


def test_per_annotator_and_contract_fields_on_a_small_project():
    labels = ["attributed_claim", "contested_framing", "neutral_fact"]
    recs = [
        (1, "alice", "attributed_claim"), (1, "bob", "attributed_claim"),
        (1, "carol", "contested_framing"),
        (2, "alice", "neutral_fact"), (2, "bob", "neutral_fact"), (2, "carol", "neutral_fact"),
        (3, "alice", "contested_framing"), (3, "bob", "neutral_fact"),
        (4, "carol", "contested_framing"),
    ]  # fmt: skip
    with strict():
        s = ag.statistics(recs, labels)
    assert s["units"] == 4 and s["pairable_units"] == 3 and s["annotations"] == 9
    assert s["annotators"] == 3
    assert s["fleiss_units"] == 2  # counts 3, 3, 2: modal count 3
    stats = {e["annotator"]: e for e in s["annotator_stats"]}
    # alice: unit 1 others (bob a_c, carol c_f) tie -> out; unit 2 agrees; unit 3 bob n_f -> no
    assert stats["alice"]["agreement_with_majority"] == 0.5
    assert stats["carol"]["agreement_with_majority"] == 0.5  # unit 1 no, unit 2 yes
    assert stats["carol"]["label_distribution"] == {
        "attributed_claim": 0, "contested_framing": 2, "neutral_fact": 1}  # fmt: skip
    pairs = {(e["a"], e["b"]): e["n"] for e in s["cohen_kappa"]}
    assert pairs == {("alice", "bob"): 3, ("alice", "carol"): 2, ("bob", "carol"): 2}
    assert s["per_label"]["contested_framing"]["count"] == 3
    assert sum(sum(row.values()) for row in s["coincidence"].values()) == pytest.approx(8)
