"""XmR statistical process control charts with the NHS "Making Data Count" rules.

Limits: mean ± 2.66 × mean moving range (moving ranges ≥ 3.267 × their mean are screened out
before the mean moving range is recomputed). Special-cause rules, each checked separately:

- ``beyond_limit`` - a point above the upper or below the lower process limit;
- ``shift`` - a run of ``run_length`` (default 7) or more points on one side of the mean;
- ``trend`` - ``trend_length`` (default 7) or more consecutive increases, or decreases;
- ``two_of_three`` - 2 of 3 consecutive points beyond two-thirds of the way to a limit
  (beyond mean ± 2σ, σ = mean moving range / 1.128), on the same side.

A special cause is an *improvement* or a *concern* according to the measure's improvement
direction (for crime, lower is better); otherwise it is *neutral*.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import InputDataError

LIMIT_FACTOR = 2.66     # 3 / d2, d2 = 1.128 for moving ranges of two points
MR_SCREEN_FACTOR = 3.267  # D4 for n = 2: upper limit of the moving-range chart
MIN_POINTS = 12
RULES = ("beyond_limit", "shift", "trend", "two_of_three")
RULE_WORDS = {"beyond_limit": "a point beyond a limit", "shift": "a run on one side of the mean",
              "trend": "a run of increases or decreases", "two_of_three": "2 of 3 points near a limit"}


@dataclass
class XmRResult:
    """The chart data (one row per point) and the choices made."""

    data: pd.DataFrame
    choices: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def latest_signal(self) -> str:
        """'improvement', 'concern', 'neutral' or 'common cause' for the last point."""
        return str(self.data["signal"].iloc[-1])

    @property
    def recent_signals(self) -> list[str]:
        """Kinds of special cause ('concern', 'improvement', 'neutral') among the last six points."""
        recent = self.data.tail(6)
        return sorted(set(recent.loc[recent["signal"] != "common cause", "signal"].astype(str)))

    def summary(self) -> str:
        d = self.data
        last = d.iloc[-1]
        rules = [r for r in RULES if d[r].any()]
        kinds = self.recent_signals
        if kinds:
            state = f"special cause variation in the last six points ({', '.join(kinds)})"
        else:
            state = "only common cause variation in the last six points"
        when = f" ({d.index[-1]})" if isinstance(d.index, pd.PeriodIndex) else ""
        return (f"{state}; latest{when} {last['value']:,.0f} against a mean of {last['mean']:,.0f} "
                f"(limits {max(last['lcl'], 0):,.0f} to {last['ucl']:,.0f})"
                + (f"; signals seen in the whole run: {', '.join(RULE_WORDS[r] for r in rules)}" if rules else ""))


def _side_runs(side: np.ndarray, length: int) -> np.ndarray:
    """Points in runs of ``length``+ on one side (side: +1 above, -1 below, 0 on the mean).

    Points exactly on the mean neither break a run nor count towards it (Making Data Count).
    """
    out = np.zeros(len(side), dtype=bool)
    off = np.flatnonzero(side != 0)
    s = side[off]
    for sign in (1, -1):
        for i in np.flatnonzero(_runs(s == sign, length)):
            out[off[i]] = True
    return out


def _trend_runs(values: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in runs of ``length``+ consecutive increases (first array) or decreases (second).

    A repeated value neither adds to nor breaks a run; the point a run starts from is included.
    """
    up, down = np.zeros(len(values), bool), np.zeros(len(values), bool)
    keep = np.r_[True, np.diff(values) != 0]          # drop repeats of the previous value
    pos = np.flatnonzero(keep)
    v = values[pos]
    d = np.diff(v)
    for target, sign in ((up, 1), (down, -1)):
        step = np.r_[False, np.sign(d) == sign]       # point j rose (fell) from point j-1
        run = _runs(step, length)
        starts = np.flatnonzero(run & ~np.r_[False, run[:-1]])
        ends = np.flatnonzero(run & ~np.r_[run[1:], False])
        for a, b in zip(starts, ends):  # from the point the run starts from to its last point,
            target[pos[max(a - 1, 0)]:pos[b] + 1] = True  # repeated values inside included
    return up, down


def _runs(mask: np.ndarray, length: int) -> np.ndarray:
    """Points that belong to a run of ``length`` or more consecutive True values."""
    out = np.zeros(len(mask), dtype=bool)
    start = None
    for i, v in enumerate(list(mask) + [False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def _limits(values: np.ndarray, screen: bool) -> tuple[float, float, int]:
    mean = float(np.mean(values))
    mr = np.abs(np.diff(values))
    if len(mr) == 0:
        return mean, 0.0, 0
    mr_bar = float(np.mean(mr))
    excluded = 0
    if screen and mr_bar > 0:
        keep = mr < MR_SCREEN_FACTOR * mr_bar
        excluded = int((~keep).sum())
        if keep.any():
            mr_bar = float(np.mean(mr[keep]))
    return mean, mr_bar, excluded


def xmr(series: pd.Series, *, improvement: str | None = "down", rebase: list | None = None,
        screen_outliers: bool = True, run_length: int = 7, trend_length: int = 7) -> XmRResult:
    """XmR chart of a series of consecutive points (e.g. monthly counts, indexed by month).

    ``improvement``: ``"down"`` (lower is better), ``"up"`` or ``None`` (no direction).
    ``rebase``: index values where the process is recalculated (e.g. a recording-practice
    change); each segment gets its own mean and limits. Missing values are not allowed: pass a
    run of consecutive periods (a gap breaks the moving range).
    """
    if improvement not in ("down", "up", None):
        raise InputDataError(f"improvement must be 'down', 'up' or None, not {improvement!r}.")
    s = series.astype(float)
    if s.isna().any():
        raise InputDataError(f"the series has {int(s.isna().sum())} missing point(s); an XmR chart needs "
                             "consecutive periods. Use the longest run of months without gaps.")
    if len(s) < 2:
        raise InputDataError("an XmR chart needs at least two points.")
    warnings = []
    if len(s) < MIN_POINTS:
        warnings.append(f"only {len(s)} points: limits from fewer than {MIN_POINTS} points are unreliable.")
    values = s.to_numpy()
    seg = np.zeros(len(s), dtype=int)
    for r in rebase or []:
        if r not in s.index:
            raise InputDataError(f"rebase point {r} is not in the series.")
        seg[s.index.get_loc(r):] += 1
    mean = np.empty(len(s))
    mrbar = np.empty(len(s))
    excluded = 0
    for k in np.unique(seg):
        sel = seg == k
        m, r, e = _limits(values[sel], screen_outliers)
        mean[sel], mrbar[sel] = m, r
        excluded += e
        if sel.sum() < MIN_POINTS and rebase:
            warnings.append(f"segment starting {s.index[sel][0]} has only {int(sel.sum())} points.")
    ucl = mean + LIMIT_FACTOR * mrbar
    lcl = mean - LIMIT_FACTOR * mrbar
    sigma = mrbar / 1.128
    side = np.sign(values - mean).astype(int)
    beyond = (values > ucl) | (values < lcl)
    shift = np.zeros(len(s), bool)
    trend_up = np.zeros(len(s), bool)
    trend_down = np.zeros(len(s), bool)
    two3 = np.zeros(len(s), bool)
    for k in np.unique(seg):
        idx = np.flatnonzero(seg == k)
        v = values[idx]
        shift[idx] = _side_runs(side[idx], run_length)
        # trend_length consecutive increases span trend_length + 1 points
        trend_up[idx], trend_down[idx] = _trend_runs(v, trend_length)
        hi = v > (mean[idx] + 2 * sigma[idx])
        lo = v < (mean[idx] - 2 * sigma[idx])
        for near in (hi, lo):
            for j in range(len(v) - 2):
                w = near[j:j + 3]
                if w.sum() >= 2:
                    two3[idx[j:j + 3][w]] = True
    trend = trend_up | trend_down
    special = beyond | shift | trend | two3
    # a point flagged only by a trend takes the trend's direction; otherwise its side of the mean
    high_side = np.where(beyond | shift | two3, values > mean, trend_up)
    signal = np.full(len(s), "common cause", dtype=object)
    if improvement is None:
        signal[special] = "neutral"
    else:
        good_high = improvement == "up"
        signal[special & (high_side == good_high)] = "improvement"
        signal[special & (high_side != good_high)] = "concern"
    data = pd.DataFrame({"value": values, "mean": mean, "ucl": ucl, "lcl": lcl, "mr_bar": mrbar,
                         "beyond_limit": beyond, "shift": shift, "trend": trend, "two_of_three": two3,
                         "special_cause": special, "signal": signal, "segment": seg}, index=s.index)
    choices = {"chart": "XmR (individuals and moving range)", "limits": "mean ± 2.66 × mean moving range",
               "outlier_screening": (f"moving ranges ≥ 3.267 × mean moving range excluded before recomputing "
                                     f"({excluded} excluded)" if screen_outliers else "off"),
               "rules": f"beyond a limit; {run_length} points one side of the mean; {trend_length} consecutive "
                        "increases or decreases; 2 of 3 beyond two-thirds of the way to a limit",
               "improvement_direction": {"down": "lower is better", "up": "higher is better", None: "none"}[improvement],
               "rebase": [str(r) for r in rebase or []], "points": len(s)}
    return XmRResult(data, choices, warnings)


def longest_run(series: pd.Series) -> pd.Series:
    """The longest stretch of consecutive non-missing points (the latest one if tied)."""
    ok = series.notna().to_numpy()
    best, _start, cur = (0, 0), None, None
    for i, v in enumerate(list(ok) + [False]):
        if v and cur is None:
            cur = i
        elif not v and cur is not None:
            if i - cur >= best[1] - best[0]:
                best = (cur, i)
            cur = None
    return series.iloc[best[0]:best[1]]


def latest_run(series: pd.Series, min_points: int = 12) -> pd.Series:
    """The stretch of consecutive non-missing points that ends at the last one, when it has at
    least ``min_points``; else the longest stretch (:func:`longest_run`)."""
    ok = series.notna().to_numpy()
    if not ok.any():
        return series.iloc[0:0]
    end = int(np.flatnonzero(ok)[-1]) + 1
    start = end
    while start > 0 and ok[start - 1]:
        start -= 1
    return series.iloc[start:end] if end - start >= min_points else longest_run(series)


def xmr_by_column(monthly: pd.DataFrame, direction=lambda column: "down", rebase: list | None = None) -> dict:
    """An XmR chart per column of a monthly table, each on its latest run of consecutive months
    (at least 12; else its longest run, see :func:`latest_run`), so that 'latest' means latest.

    ``direction(column)`` gives the improvement direction ('down', 'up' or None); ``rebase``
    months (e.g. 'YYYY-MM') apply where they fall inside a column's run.
    """
    out = {}
    for col in monthly.columns:
        run = latest_run(monthly[col])
        points = [pd.Period(str(m), freq="M") for m in rebase or []]
        out[col] = xmr(run, improvement=direction(col), rebase=[p for p in points if p in run.index and p != run.index[0]])
    return out
