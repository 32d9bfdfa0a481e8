"""The shared tests: Poisson comparison against independent routes, multiple-testing corrections."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from safermk_analysis.significance import StatisticsInputError, adjust_pvalues, compare_counts


@pytest.mark.parametrize("after,before,e_after,e_before", [(30, 20, 1, 1), (30, 20, 2, 1), (5, 17, 1, 1), (120, 100, 1.5, 1.4)])
def test_exact_conditional_p_matches_binomial_test(after, before, e_after, e_before):
    r = compare_counts(after, before, e_after, e_before, method="exact-cond").iloc[0]
    p0 = e_after / (e_after + e_before)  # share of the total expected in 'after' if rates are equal
    n = after + before
    greater = stats.binomtest(after, n, p0, alternative="greater").pvalue
    less = stats.binomtest(after, n, p0, alternative="less").pvalue
    assert r["p_value"] == pytest.approx(min(1.0, 2 * min(greater, less)), rel=1e-9)  # central two-sided
    if e_after == e_before:  # symmetric null: central and minimum-likelihood p-values coincide
        assert r["p_value"] == pytest.approx(stats.binomtest(after, n, p0).pvalue, rel=1e-9)
    assert r["rate_ratio"] == pytest.approx((after / e_after) / (before / e_before))


@pytest.mark.parametrize("e_after,e_before", [(1, 1), (2.0, 1.0), (1.02, 1.0)])
def test_exact_interval_from_beta_quantiles(e_after, e_before):
    x, y, conf = 30, 20, 0.95
    r = compare_counts(x, y, e_after, e_before, confidence=conf).iloc[0]
    a = 1 - conf
    p_lo, p_hi = stats.beta.ppf(a / 2, x, y + 1), stats.beta.ppf(1 - a / 2, x + 1, y)
    scale = e_before / e_after
    assert r["ci_low"] == pytest.approx(p_lo / (1 - p_lo) * scale, rel=1e-6)
    assert r["ci_high"] == pytest.approx(p_hi / (1 - p_hi) * scale, rel=1e-6)
    assert r["ci_low"] < r["rate_ratio"] < r["ci_high"]


def test_p_value_and_interval_agree():
    # review case: the minimum-likelihood p-value said 'significant' while the interval held 1
    for x1, x0, e1, e0 in [(0, 9, 1, 2), (0, 5, 1.02, 1), (3, 12, 1, 1.3), (40, 25, 1, 1.1)]:
        r = compare_counts(x1, x0, e1, e0).iloc[0]
        assert (r["p_value"] < 0.05) == (not r["ci_low"] <= 1 <= r["ci_high"]), (x1, x0, e1, e0)


def test_equivalence_margins_are_symmetric_percentages():
    # -4% on about 1,500: inside 0.90-1.10 with evidence, so equivalence is shown at 5%
    r = compare_counts(1488, 1550, margin_pct=10).iloc[0]
    low = stats.binomtest(1488, 1488 + 1550, 0.9 / 1.9, alternative="greater").pvalue
    high = stats.binomtest(1488, 1488 + 1550, 1.1 / 2.1, alternative="less").pvalue
    assert r["p_equivalence"] == pytest.approx(max(low, high), rel=1e-6) and r["p_equivalence"] < 0.05


def test_equivalence_needs_evidence():
    big = compare_counts(10_000, 10_050, margin_pct=10).iloc[0]
    small = compare_counts(10, 10, margin_pct=10).iloc[0]
    assert big["p_equivalence"] < 0.001   # large equal counts: shown within ±10%
    assert small["p_equivalence"] > 0.5   # small equal counts: not shown stable


def test_zero_counts_and_scalar_broadcast():
    r = compare_counts([0, 4], [0, 0])
    assert np.isnan(r.loc[0, "p_value"]) and np.isnan(r.loc[0, "rate_ratio"])  # nothing to test
    assert r.loc[1, "rate_ratio"] == np.inf and r.loc[1, "p_value"] == pytest.approx(2 * 0.5 ** 4)


def test_holm_and_bh_on_known_vector():
    p = [0.01, 0.04, 0.03, 0.2]
    assert adjust_pvalues(p, "holm") == pytest.approx([0.04, 0.09, 0.09, 0.2])
    assert adjust_pvalues(p, "fdr_bh") == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])
    assert adjust_pvalues(p, "none") == pytest.approx(p)
    out = adjust_pvalues([0.01, np.nan, 0.02], "holm")
    assert np.isnan(out[1]) and out[0] == pytest.approx(0.02) and out[2] == pytest.approx(0.02)


@pytest.mark.parametrize("kwargs,match", [
    (dict(after=[-1], before=[3]), "negative"),
    (dict(after=[1.5], before=[3]), "non-integer"),
    (dict(after=[1], before=[3], exposure_after=0), "positive"),
    (dict(after=[1, 2], before=[3]), "after has 2"),
    (dict(after=[np.nan], before=[3]), "missing"),
])
def test_invalid_input_refused(kwargs, match):
    with pytest.raises(StatisticsInputError, match=match):
        compare_counts(**kwargs)
    with pytest.raises(StatisticsInputError, match="correction"):
        adjust_pvalues([0.1], "bonferonni")
