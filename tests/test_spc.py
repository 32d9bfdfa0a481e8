"""XmR limits and each Making Data Count rule, triggered and not triggered."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safermk_analysis import spc
from safermk_analysis.errors import InputDataError

IDX = pd.period_range("2023-01", periods=24, freq="M")
# alternating above and below 100: no runs, no trends, nothing near a limit
BASE = 100 + 4.0 * (-1) ** np.arange(24)


def _s(values):
    return pd.Series(np.asarray(values, dtype=float), index=pd.period_range("2023-01", periods=len(values), freq="M"))


def test_limits_are_mean_plus_minus_266_mean_moving_range():
    r = spc.xmr(_s(BASE), screen_outliers=False)
    mr = np.abs(np.diff(BASE)).mean()
    assert r.data["mean"].iloc[0] == pytest.approx(BASE.mean())
    assert r.data["ucl"].iloc[0] == pytest.approx(BASE.mean() + 2.66 * mr)
    assert not r.data["special_cause"].any()  # the base series is common cause only
    assert r.latest_signal == "common cause"


def test_beyond_limit():
    v = BASE.copy()
    v[20] = 140
    d = spc.xmr(_s(v)).data
    assert d["beyond_limit"].iloc[20] and d["beyond_limit"].sum() == 1
    assert d["signal"].iloc[20] == "concern"  # higher crime is worse by default


def test_moving_range_screening_excludes_the_outlier_range():
    v = BASE.copy()
    v[20] = 140
    screened, raw = spc.xmr(_s(v)), spc.xmr(_s(v), screen_outliers=False)
    assert screened.data["mr_bar"].iloc[0] < raw.data["mr_bar"].iloc[0]
    assert "2 excluded" in screened.choices["outlier_screening"]


def test_shift_run_of_seven():
    v = BASE.copy()
    v[9:16] = 97  # points 9..15 below the mean, with points above on either side (8 and 16 are 104)
    d = spc.xmr(_s(v), improvement="down").data
    assert d["shift"].iloc[9:16].all() and d["shift"].sum() == 7
    assert (d["signal"].iloc[9:16] == "improvement").all()
    six = BASE.copy()
    six[9:15] = 97  # only six below the mean (9..14); 15 is set above so the run ends
    six[15] = 104
    assert not spc.xmr(_s(six)).data["shift"].any()


def test_trend_of_seven_increases():
    v = BASE.copy()
    v[8:16] = [93, 94, 95, 96, 97, 98, 99, 100]  # 7 consecutive increases (8 points); v[16] = 104 continues up
    v[16] = 90
    d = spc.xmr(_s(v)).data
    assert d["trend"].iloc[8:16].all() and d["trend"].sum() == 8
    v6 = v.copy()
    v6[15] = 90  # now only 6 increases (8..14)
    assert not spc.xmr(_s(v6)).data["trend"].any()


def test_two_of_three_near_a_limit():
    v = BASE.copy()
    v[12], v[14] = 130, 130  # with v[13] = 96 between them
    d = spc.xmr(_s(v)).data
    sigma = d["mr_bar"].iloc[0] / 1.128
    mean, ucl = d["mean"].iloc[0], d["ucl"].iloc[0]
    assert mean + 2 * sigma < 130 < ucl  # precondition: beyond two-thirds of the way, inside the limit
    assert d["two_of_three"].iloc[12] and d["two_of_three"].iloc[14] and not d["beyond_limit"].any()
    one = BASE.copy()
    one[12] = 118
    d1 = spc.xmr(_s(one)).data
    assert d1["mean"].iloc[0] + 2 * d1["mr_bar"].iloc[0] / 1.128 < 118 < d1["ucl"].iloc[0]
    assert not d1["two_of_three"].any()


def test_direction_none_and_up():
    v = BASE.copy()
    v[20] = 140
    assert spc.xmr(_s(v), improvement=None).data["signal"].iloc[20] == "neutral"
    assert spc.xmr(_s(v), improvement="up").data["signal"].iloc[20] == "improvement"


def test_rebase_and_warnings():
    v = np.r_[BASE[:12], BASE[12:] + 50]
    r = spc.xmr(_s(v), rebase=[pd.Period("2024-01", "M")])
    assert r.data["mean"].iloc[0] == pytest.approx(BASE[:12].mean())
    assert r.data["mean"].iloc[-1] == pytest.approx((BASE[12:] + 50).mean())
    assert spc.xmr(_s(BASE[:8])).warnings and "unreliable" in spc.xmr(_s(BASE[:8])).warnings[0]


def test_missing_points_refused_and_longest_run():
    s = _s(BASE)
    s.iloc[5] = np.nan
    with pytest.raises(InputDataError, match="consecutive"):
        spc.xmr(s)
    run = spc.longest_run(s)
    assert len(run) == 18 and str(run.index[0]) == "2023-07"
    with pytest.raises(InputDataError, match="improvement"):
        spc.xmr(_s(BASE), improvement="lower")


def test_xmr_by_column_uses_longest_runs_and_rebase():
    idx = pd.period_range("2022-01", periods=30, freq="M")
    m = pd.DataFrame({"A": np.r_[BASE, BASE[:6]], "B": np.r_[BASE, BASE[:6]]}, index=idx, dtype=float)
    m.iloc[3, 1] = np.nan
    out = spc.xmr_by_column(m, lambda c: None if c == "B" else "down", rebase=["2023-01"])
    assert len(out["A"].data) == 30 and len(out["B"].data) == 26
    assert out["A"].data["segment"].max() == 1 and out["A"].choices["rebase"] == ["2023-01"]
    assert out["B"].choices["improvement_direction"] == "none"


def test_points_on_the_mean_neither_break_nor_count():
    v = [110, 90] * 3 + [95, 95, 95, 100, 95, 95, 95, 95] + [107] * 5  # mean 100; 7 below with one on it
    d = spc.xmr(_s(v)).data
    assert d["mean"].iloc[0] == pytest.approx(100)
    assert d["shift"].iloc[6:14].sum() == 7 and not d["shift"].iloc[9]  # the on-mean point is not flagged


def test_trend_points_take_the_trend_direction():
    v = BASE.copy()
    v[8:16] = [88, 92, 96, 100, 104, 108, 112, 116]  # rises through the mean: no shift, no near-limit pair
    v[16] = 90
    d = spc.xmr(_s(v), improvement="down").data
    assert not d[["shift", "beyond_limit"]].any().any()
    assert set(d["signal"].iloc[8:16]) == {"concern"}  # a rising run is a concern, its first point included
    flat = BASE.copy()
    flat[8:17] = [88, 92, 92, 96, 100, 104, 108, 112, 116]  # a repeated value neither adds nor breaks
    flat[17] = 90
    assert spc.xmr(_s(flat)).data["trend"].iloc[8:17].all()


def test_chart_titles_read_the_same_six_points_as_the_text():
    from safermk_analysis import charts
    v = BASE.copy()
    v[-3] = v.mean() + 200          # a point above the limits three months before the end
    r = spc.xmr(_s(v), improvement="down", screen_outliers=False)
    kinds = r.recent_signals
    assert r.latest_signal == "common cause" and "concern" in kinds   # the last point alone would say nothing
    assert f"special cause variation in the last six points ({', '.join(kinds)})" in r.summary()
    fig = charts.spc_small_multiples({"Burglary": r}, ncols=1)
    title = fig.axes[0].get_title(loc="left").replace("\n", " ")
    assert title == f"Burglary: {' and '.join(kinds)} in the last six months"


def test_charts_use_the_latest_run_of_months():
    idx = pd.period_range("2022-04", "2025-03", freq="M")
    s = pd.Series(100.0 + np.arange(len(idx)) % 5, index=idx)
    s[pd.Period("2024-12", freq="M")] = np.nan          # the longest run ends in 2024-11, the latest is 3 months
    assert str(spc.latest_run(s).index[-1]) == "2024-11"    # too short: the longest run instead
    r = spc.xmr_by_column(s.drop(s.index[-3:]).to_frame("A"))["A"]
    assert str(r.data.index[-1]) == "2024-11" and "latest (2024-11)" in r.summary()
    t = pd.Series(100.0 + np.arange(len(idx)) % 5, index=idx)
    t[pd.Period("2023-01", freq="M")] = np.nan            # an early gap: the latest run (26 months) is used
    assert str(spc.latest_run(t).index[0]) == "2023-02" and str(spc.latest_run(t).index[-1]) == "2025-03"
