"""How concentrated crime is across places: top shares, Lorenz curve, Gini, stability of top places.

Gini: G = sum_i (2i - N - 1) y_(i) / (N sum y) with y sorted ascending over N places. When there
are fewer records n than places N, even the most even spread possible leaves N - n places empty,
so the standard Gini overstates concentration. The generalised Gini of Bernasco and Steenbeek
(2017, J. Quant. Criminol. 33:451-467) compares the Lorenz curve with the line of *maximal*
equality given the data instead; with n < N that line runs along the axis to (N - n)/N and then
straight to (1, 1), which gives G' = 1 - (1 - G) × N / n.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .errors import InputDataError


def _check(counts) -> np.ndarray:
    y = np.asarray(counts, dtype=float)
    if y.ndim != 1 or len(y) == 0:
        raise InputDataError("concentration needs a one-dimensional list of counts for at least one place.")
    if np.isnan(y).any() or (y < 0).any():
        raise InputDataError("counts must be non-negative, with no missing values.")
    return y


def gini(counts) -> float:
    """Standard Gini coefficient of counts over places (0 = even, towards 1 = concentrated)."""
    y = np.sort(_check(counts))
    n, total = len(y), y.sum()
    if total == 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * y).sum() / (n * total))


def generalised_gini(counts) -> float:
    """Bernasco-Steenbeek generalised Gini: the standard Gini when records >= places, else rescaled."""
    y = _check(counts)
    n_records, n_places = y.sum(), len(y)
    g = gini(y)
    if n_records >= n_places or np.isnan(g):
        return g
    return float(1 - (1 - g) * n_places / n_records)


def lorenz(counts) -> pd.DataFrame:
    """Lorenz curve: cumulative share of places (most affected first) against share of records."""
    y = np.sort(_check(counts))[::-1]
    total = y.sum()
    if total == 0:
        raise InputDataError("a Lorenz curve needs at least one record.")
    return pd.DataFrame({"share_of_places": np.r_[0, np.arange(1, len(y) + 1) / len(y)],
                         "share_of_records": np.r_[0, np.cumsum(y) / total]})


def top_share(counts, share_of_places: float) -> float:
    """Share of records in the top ``share_of_places`` of places (rounded up to whole places)."""
    y = np.sort(_check(counts))[::-1]
    k = max(1, int(np.ceil(share_of_places * len(y))))
    return float(y[:k].sum() / y.sum()) if y.sum() else float("nan")


def summary(counts, *, unit: str = "LSOAs") -> dict:
    """Top 5 % and 10 % shares, places with any record, Gini and generalised Gini."""
    y = _check(counts)
    return {"unit": unit, "places": len(y), "records": int(y.sum()), "places_with_records": int((y > 0).sum()),
            "top_5pct_share": top_share(y, 0.05), "top_10pct_share": top_share(y, 0.10),
            "gini": gini(y), "generalised_gini": generalised_gini(y),
            "gini_used": "generalised (fewer records than places)" if y.sum() < len(y) else "standard"}


def stability(before, after, *, share_of_places: float = 0.05) -> dict:
    """Year-on-year stability of the places: Spearman rank correlation and overlap of the top places."""
    a, b = _check(before), _check(after)
    if len(a) != len(b):
        raise InputDataError("both periods must count the same places in the same order.")
    k = max(1, int(np.ceil(share_of_places * len(a))))
    top_a = set(np.argsort(-a, kind="stable")[:k])
    top_b = set(np.argsort(-b, kind="stable")[:k])
    rho, p = stats.spearmanr(a, b)
    return {"spearman_rho": float(rho), "spearman_p": float(p), "top_places": k,
            "top_places_retained": len(top_a & top_b), "top_overlap_share": len(top_a & top_b) / k}


def gini_by_category(records: pd.DataFrame, places: pd.DataFrame, categories, mask=None) -> dict[str, float]:
    """Gini over LSOAs of each category's records (optionally only rows in ``mask``)."""
    from .hotspots import lsoa_counts

    sel = np.ones(len(records), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    cat = records["category"].astype(str).to_numpy()
    return {c: gini(lsoa_counts(records, places, mask=sel & (cat == c))) for c in categories}
