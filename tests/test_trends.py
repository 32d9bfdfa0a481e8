"""Period comparison, counts from records, rates, and multi-year trend tests."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safermk_analysis import trends
from safermk_analysis.errors import EmptySelectionError, InputDataError
from safermk_analysis.periods import financial_year


def _counts(rows):
    return pd.DataFrame(rows, columns=["category", "before", "after"])


def test_compare_periods_verdicts():
    t = trends.compare_periods(_counts([
        ("All crime", 20_000, 20_100),
        ("Shoplifting", 1_000, 1_400),   # +40%: both verdicts say increase
        ("Robbery", 20, 24),             # +20%: ±10% rule says increase, too few to be significant
        ("Violence", 10_000, 9_500),     # -5%: static by the rule, significant reduction by the test
        ("Burglary", 5_000, 5_020),      # +0.4% on large counts: shown stable
        ("Drugs", 10, 10),               # 0% on tiny counts: not shown stable
    ]))
    v = dict(zip(t["category"], t["statistical_verdict"]))
    assert v == {"All crime": "stable", "Shoplifting": "significant increase", "Robbery": "no significant change",
                 "Violence": "significant reduction", "Burglary": "stable", "Drugs": "no significant change"}
    th = dict(zip(t["category"], t["threshold_verdict"]))
    assert th["Shoplifting"] == "increase" and th["Robbery"] == "increase" and th["Violence"] == "static"
    agree = dict(zip(t["category"], t["verdicts_agree"]))
    assert not agree["Robbery"] and not agree["Violence"] and agree["Shoplifting"]
    assert t.loc[t["category"] == "Shoplifting", "pct_change"].item() == 40.0
    total = t[t["category"] == "All crime"].iloc[0]
    assert not total["in_family"] and total["p_adjusted"] == total["p_value"]
    fam = t[t["in_family"]]
    assert (fam["p_adjusted"] >= fam["p_value"]).all()
    assert "over 5 categories" in t.attrs["choices"]["correction"]
    line = trends.summary_line(t)
    assert "Of 5 categories, 2 increased, 0 reduced and 3 were static (±10% rule)" in line
    assert "1 increased significantly, 1 reduced significantly, 1 shown stable and 2 showed no significant change" in line
    assert "Robbery, Violence" in line


def test_threshold_band_edges_and_two_decimals():
    t = trends.compare_periods(_counts([("A", 1000, 1100), ("B", 1000, 900), ("C", 1000, 1099), ("D", 0, 5),
                                        ("E", 431, 481)]), total_label=None)
    assert list(t["threshold_verdict"]) == ["increase", "reduction", "static", "increase", "increase"]
    assert np.isnan(t.loc[3, "pct_change"])
    assert t.loc[4, "pct_change"] == 11.6  # 481/431 - 1 = 11.60%


def test_compare_periods_with_population_exposure():
    t = trends.compare_periods(pd.DataFrame({"category": ["A"], "before": [100], "after": [110],
                                             "exposure_before": [1000.0], "exposure_after": [1100.0]}),
                               total_label=None)
    assert t.loc[0, "rate_ratio"] == pytest.approx(1.0) and t.loc[0, "pct_change"] == 0.0


def test_compare_periods_bad_input():
    with pytest.raises(InputDataError, match="missing"):
        trends.compare_periods(pd.DataFrame({"category": ["A"], "before": [1]}))
    with pytest.raises(InputDataError, match="appears twice"):
        trends.compare_periods(_counts([("A", 1, 2), ("A", 3, 4)]))
    with pytest.raises(EmptySelectionError):
        trends.compare_periods(_counts([]))


def _records(months, per_month=None):
    """Synthetic tidy records: given months, categories A, B and ASB."""
    types = {"A": "Burglary", "B": "Drugs", "ASB": "Anti-social behaviour"}
    rows = []
    for m in months:
        for cat, n in (per_month or {"A": 3, "B": 1, "ASB": 2}).items():
            rows += [{"month": pd.Period(m, "M"), "category": cat, "crime_type": types[cat]}] * n
    return pd.DataFrame(rows)


def test_period_counts_complete_and_missing_months():
    months = [str(m) for m in pd.period_range("2023-04", "2025-03", freq="M")]
    fy = financial_year(2024)
    c = trends.period_counts(_records(months), fy)
    assert c.set_index("category").loc["All crime"].tolist() == [48, 48]  # A + B, 12 months, ASB excluded
    assert c.set_index("category").loc["ASB"].tolist() == [24, 24]
    gappy = [m for m in months if m != "2024-09"]
    with pytest.raises(EmptySelectionError, match="2024/25 is missing 2024-09.*allow_partial_periods"):
        trends.period_counts(_records(gappy), fy)
    c = trends.period_counts(_records(gappy), fy, allow_partial=True)
    assert c.attrs["months_used"]["like_for_like"] and "2023-09" not in c.attrs["months_used"]["before"]
    assert c.set_index("category").loc["A"].tolist() == [33, 33]  # 11 paired months each
    # the board is told the counts are not whole years: summary line, table caption, method
    table = trends.compare_periods(c)
    note = ("Like-for-like: months are missing, so both periods count only the 11 month(s) with data in both "
            "(of 12): 2024-04 to 2024-08, 2024-10 to 2025-03, against 2023-04 to 2023-08, 2023-10 to 2024-03. "
            "The counts are not whole-period totals.")
    assert trends.like_for_like_note(table) == note and trends.summary_line(table).endswith(note)
    assert note in table.attrs["choices"]["months_compared"]
    from safermk_analysis import tables
    assert note in tables.period_comparison(table).to_html()
    assert trends.like_for_like_note(trends.compare_periods(trends.period_counts(_records(months), fy))) == ""


def test_period_counts_fixed_categories_get_zero():
    months = [str(m) for m in pd.period_range("2023-04", "2025-03", freq="M")]
    c = trends.period_counts(_records(months), financial_year(2024), categories=["A", "Z"], total_label=None)
    assert c.set_index("category").loc["Z"].tolist() == [0, 0]


def test_add_rates():
    t = pd.DataFrame({"category": ["All crime", "Burglary"], "before": [2000, 100], "after": [2500, 80]})
    r = trends.add_rates(t, 250_000, 100_000, population_source="census 2011")
    assert r["rate_after"].tolist() == pytest.approx([10.0, 0.8])
    assert r["rate_basis"].tolist() == ["per 1,000 residents", "per 1,000 households"]
    with pytest.raises(InputDataError):
        trends.add_rates(t, 0)


def test_monthly_series_keeps_gaps():
    m = trends.monthly_series(_records(["2024-01", "2024-02", "2024-04"]))
    assert list(m.index.astype(str)) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert m.loc[pd.Period("2024-03", "M")].isna().all()
    assert m.loc[pd.Period("2024-01", "M"), "All crime"] == 4


def test_sens_slope_on_linear_series():
    idx = pd.period_range("2019-01", "2024-12", freq="M")
    seasonal = 10 * np.sin(np.arange(len(idx)) * 2 * np.pi / 12)
    s = pd.Series(100 + 2.0 * np.arange(len(idx)) + seasonal, index=idx)  # +2 a month = +24 a year
    r = trends.seasonal_mann_kendall(s)
    assert r["trend"] == "increasing" and r["p_value"] < 0.001
    assert r["sen_slope_per_year"] == pytest.approx(24.0)
    flat = trends.seasonal_mann_kendall(pd.Series(100 + seasonal, index=idx))
    assert flat["trend"] == "no trend"
    short = trends.seasonal_mann_kendall(s.iloc[:12])
    assert short["trend"] == "not tested"


def test_negative_binomial_recovers_known_trend():
    idx = pd.period_range("2018-01", "2025-12", freq="M")
    years = np.arange(len(idx)) / 12
    season = 1 + 0.15 * np.cos(np.arange(len(idx)) * 2 * np.pi / 12)
    mu = 200 * season * 1.10 ** years                       # +10% a year
    estimates, covered = [], 0
    for seed in range(5):                                   # fixed seeds; 95% intervals should mostly cover
        rng = np.random.default_rng(seed)
        s = pd.Series(rng.negative_binomial(n=20, p=20 / (20 + mu)).astype(float), index=idx)
        s.iloc[30:40] = np.nan                              # a gap in the data is skipped, not zero
        r = trends.negative_binomial_trend(s, 250_000)
        assert r["significant"] and r["n_months"] == len(idx) - 10
        estimates.append(r["annual_pct_change"])
        covered += r["ci_low"] < 10 < r["ci_high"]
    assert covered >= 4 and abs(np.mean(estimates) - 10) < 1.5
    rng = np.random.default_rng(99)
    flat = pd.Series(rng.negative_binomial(20, 20 / 220, size=len(idx)).astype(float), index=idx)
    assert not trends.negative_binomial_trend(flat)["significant"]


def test_findings_sentences():
    t = trends.compare_periods(_counts([("All crime", 1000, 1200), ("Shoplifting", 100, 200), ("Theft", 50, 49)]))
    lines = trends.findings(t, before_label="2023/24", after_label="2024/25")
    assert lines[0].startswith("All crime: 1,000 in 2023/24, 1,200 in 2024/25 (+20.00%); significant increase")
    assert lines[1].startswith("Shoplifting") and len(lines) == 2


def test_headline_states_the_finding():
    t = trends.compare_periods(_counts([("All crime", 1000, 1200), ("Shoplifting", 100, 200), ("Drugs", 100, 160),
                                        ("Theft", 500, 300), ("Robbery", 20, 21)]))
    assert trends.headline(t, "2023/24", "2024/25") == (
        "Shoplifting and Drugs rose significantly; Theft fell significantly (2023/24 to 2024/25)")
    flat = trends.compare_periods(_counts([("A", 20, 21)]), total_label=None)
    assert trends.headline(flat, "Q1 2023/24", "Q1 2024/25").startswith("No category changed significantly")


def test_untestable_categories_stay_out_of_the_family():
    base = _counts([("N", 0, 7), ("A", 0, 12), ("B", 1000, 1100)])
    with_zero = _counts([("N", 0, 7), ("A", 0, 12), ("B", 1000, 1100), ("Z", 0, 0)])
    t1 = trends.compare_periods(base, total_label=None)
    t2 = trends.compare_periods(with_zero, total_label=None)
    assert t1["p_adjusted"].tolist() == pytest.approx(t2["p_adjusted"].tolist()[:3])
    z = t2.iloc[3]
    assert not z["in_family"] and z["statistical_verdict"].startswith("not tested")


def test_band_edges_with_exposures_follow_the_printed_percentage():
    t = trends.compare_periods(pd.DataFrame({"category": ["x", "y"], "before": [100, 2501], "after": [121, 2751],
                                             "exposure_before": [1.0, 1.0], "exposure_after": [1.1, 1.0]}),
                               total_label=None)
    assert t["pct_change"].tolist() == [10.0, 10.0]
    assert t["threshold_verdict"].tolist() == ["increase", "increase"]


def test_negative_binomial_falls_back_to_poisson_and_uses_the_offset():
    idx = pd.period_range("2018-01", "2025-12", freq="M")
    years = np.arange(len(idx)) / 12
    rng = np.random.default_rng(7)
    poisson = pd.Series(rng.poisson(10 * 1.08 ** years).astype(float), index=idx)  # no over-dispersion
    r = trends.negative_binomial_trend(poisson)
    assert r["significant"] and np.isfinite(r["ci_low"]) and r["ci_low"] < 8 < r["ci_high"]
    assert r["model"].startswith(("Poisson GLM", "negative binomial"))
    zeros = trends.negative_binomial_trend(pd.Series(0.0, index=idx))
    assert zeros["model"] == "not fitted" and "records" in zeros["note"]
    # counts and population both growing 3% a year: the rate is flat once the offset is used
    pop = pd.Series(250_000 * 1.03 ** years, index=idx)
    counts = pd.Series(np.round(200 * 1.03 ** years * (1 + 0.1 * np.cos(years * 2 * np.pi))), index=idx)
    with_offset = trends.negative_binomial_trend(counts, pop)
    without = trends.negative_binomial_trend(counts)
    assert abs(with_offset["annual_pct_change"]) < 0.5 and abs(without["annual_pct_change"] - 3) < 0.5


def test_trend_window_starts_after_the_last_long_gap():
    months = ["2018-06", "2018-10", "2018-11", "2022-01", "2022-02", "2022-09", "2022-11"] + \
        [str(m) for m in pd.period_range("2023-02", "2025-12", freq="M")]
    first, ch = trends.trend_window(months, "2025-03", max_gap=2)
    assert str(first) == "2022-09"                     # Oct 22 and Dec 22-Jan 23 are short gaps; Mar-Aug 22 is not
    assert "5 earlier month(s) (2018-06 to 2022-02" in ch["trend_months"]
    assert str(trends.trend_window(months, "2025-03", max_gap=1)[0]) == "2023-02"
    assert str(trends.trend_window(months, "2025-03", max_gap=60)[0]) == "2018-06"
    first, ch = trends.trend_window(months, "2025-03", start="2024-01")
    assert str(first) == "2024-01" and "reporting.trend_from" in ch["trend_months"]
    with pytest.raises(EmptySelectionError):
        trends.trend_window(months, "2017-01")


def test_assessment_trend_reads_the_window_and_says_so():
    from safermk_analysis.assessment import load_assessment
    a = load_assessment()
    monthly, trend = a.trend_table()
    assert str(monthly.index.min()) == "2022-09" and str(monthly.index.max()) == "2025-03"
    assert "2018-06" in trend.attrs["choices"]["trend_months"]
    from safermk_analysis import tables
    assert "Months used: the latest run of months" in tables.trend_summary(trend).to_html()


def test_trend_test_keeps_its_size_when_months_are_correlated():
    """No trend, but noise correlated from month to month (AR(1), rho 0.6) over 31 months, as in the
    Milton Keynes series: the model-based test alone calls about 40% of such series significant; with
    the dispersion and autocorrelation scaling, far fewer, and the test still finds a real 10% trend."""
    rng = np.random.default_rng(11)
    idx = pd.period_range("2022-09", "2025-03", freq="M")
    season = 0.1 * np.sin(np.arange(len(idx)) * 2 * np.pi / 12)

    def series(phi, slope):
        e = np.zeros(len(idx))
        for i in range(len(idx)):
            e[i] = (phi * e[i - 1] if i else 0) + rng.normal(0, 0.08)
        mu = 200 * np.exp(e + season + np.log1p(slope) * np.arange(len(idx)) / 12)
        return pd.Series(rng.poisson(mu).astype(float), index=idx)

    n = 60
    correlated = np.mean([trends.negative_binomial_trend(series(0.6, 0.0))["significant"] for _ in range(n)])
    independent = np.mean([trends.negative_binomial_trend(series(0.0, 0.0))["significant"] for _ in range(n)])
    power = np.mean([trends.negative_binomial_trend(series(0.0, 0.10))["significant"] for _ in range(n)])
    assert correlated <= 0.20 and independent <= 0.10 and power >= 0.8
    r = trends.negative_binomial_trend(series(0.6, 0.0))
    assert r["pearson_dispersion"] >= 1 and 0 <= r["residual_autocorrelation"] <= 0.9


def test_trend_window_says_when_data_stop_early_and_refuses_a_late_start():
    months = [str(m) for m in pd.period_range("2020-01", "2024-03", freq="M")]
    first, ch = trends.trend_window(months, "2025-03")
    assert str(first) == "2020-01" and "the data end in 2024-03, 12 month(s) before the end" in ch["trend_months"]
    _, ch = trends.trend_window(months, "2024-03", start="2023-01")
    assert "36 earlier month(s) (2020-01 to 2022-12) are left out" in ch["trend_months"] and "gap" not in ch["trend_months"]
    with pytest.raises(EmptySelectionError, match="trend_from .* is after the end"):
        trends.trend_window(months, "2024-03", start="2024-06")


def test_disagreement_note_names_the_correction_and_only_for_no_significant_change():
    row = {"verdicts_agree": False, "pct_change": 20.9, "threshold_verdict": "increase", "p_value": 0.018,
           "in_family": True, "statistical_verdict": "no significant change"}
    assert "significant for this category alone (p 0.018), but not once every category tested together is " \
           "allowed for (Holm)" in trends.disagreement_note(row)
    assert "(Benjamini-Hochberg)" in trends.disagreement_note(row, correction="Benjamini-Hochberg")
    stable = {**row, "statistical_verdict": "stable", "pct_change": 12.0}
    assert "significant for this category alone" not in trends.disagreement_note(stable)
    alone = {**row, "p_value": 0.2}
    assert "can arise by chance" in trends.disagreement_note(alone)
