"""The statistical tests every module shares: two Poisson counts compared, equivalence, multiple testing.

One implementation of each, so the period table, the LSOA change map and the priority measures
all say "significant" in the same sense.

- :func:`compare_counts` - two-sample Poisson rate test (statsmodels ``test_poisson_2indep``),
  by default the exact conditional test: given the total of the two counts, the count of the
  later period is binomial under "no change in the rate". Its confidence interval for the rate
  ratio is the matching exact (Clopper-Pearson) interval, and the equivalence test is the TOST
  version (``tost_poisson_2indep``) of the same test.
- :func:`adjust_pvalues` - Holm (family-wise error) or Benjamini-Hochberg (false discovery rate).
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats import rates
from statsmodels.stats.multitest import multipletests

from .errors import SaferMKError

Correction = Literal["holm", "fdr_bh", "none"]
TestMethod = Literal["exact-cond", "cond-midp", "score", "etest"]

CORRECTION_SHORT = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg", "none": "uncorrected"}  # for sentences
CORRECTION_NAMES = {
    "holm": "Holm step-down (controls the family-wise error rate)",
    "fdr_bh": "Benjamini-Hochberg (controls the false discovery rate)",
    "none": "no correction for multiple testing",
}
METHOD_NAMES = {
    "exact-cond": "exact conditional (binomial) test, central two-sided p-value",
    "cond-midp": "exact conditional test with mid-p correction",
    "score": "score test",
    "etest": "E-test of Krishnamoorthy and Thomson",
}


class StatisticsInputError(SaferMKError, ValueError):
    """Counts or exposures that no test can use (negative, fractional, zero exposure)."""


def _as_counts(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if np.isnan(a).any():
        raise StatisticsInputError(f"{name} contains missing values; a missing period cannot be tested "
                                   "(compare like-for-like months instead).")
    if (a < 0).any():
        raise StatisticsInputError(f"{name} contains a negative count ({a[a < 0][0]:g}); counts of records "
                                   "cannot be negative.")
    if (a != np.round(a)).any():
        raise StatisticsInputError(f"{name} contains a non-integer count ({a[a != np.round(a)][0]:g}); the "
                                   "Poisson test needs whole counts (use rates only as exposures).")
    return a


def _as_exposure(x, name: str, n: int) -> np.ndarray:
    a = np.broadcast_to(np.asarray(x, dtype=float), (n,)).copy()
    if np.isnan(a).any() or (a <= 0).any():
        raise StatisticsInputError(f"{name} must be positive (e.g. population, or months covered); got "
                                   f"{a[np.isnan(a) | (a <= 0)][0]:g}.")
    return a


def exact_ratio_ci(after: float, before: float, exposure_after: float = 1.0, exposure_before: float = 1.0,
                   confidence: float = 0.95) -> tuple[float, float]:
    """Exact conditional (Clopper-Pearson) confidence interval for the rate ratio after/before."""
    n = int(after + before)
    if n == 0:
        return 0.0, np.inf
    ci = sps.binomtest(int(after), n).proportion_ci(confidence_level=confidence, method="exact")
    scale = exposure_before / exposure_after
    lo = ci.low / (1 - ci.low) * scale if ci.low < 1 else np.inf
    hi = ci.high / (1 - ci.high) * scale if ci.high < 1 else np.inf
    return float(lo), float(hi)


def compare_counts(after, before, exposure_after=1.0, exposure_before=1.0, *, method: TestMethod = "exact-cond",
                   confidence: float = 0.95, margin_pct: float | None = 10.0) -> pd.DataFrame:
    """Compare Poisson counts of a later period (``after``) with an earlier one, element by element.

    Exposures (people, months) make the comparison one of rates. Returns one row per element:
    ``rate_ratio`` (after/before, per unit exposure), ``ci_low``/``ci_high`` at ``confidence``,
    ``p_value`` (two-sided test of ratio = 1; for the exact test the central p-value, twice the
    smaller tail, which the Clopper-Pearson interval inverts) and, if ``margin_pct`` is given,
    ``p_equivalence`` (TOST: the ratio lies within 1 - m/100 .. 1 + m/100). Elements with no
    record in either period get NaN (not tested). Not corrected for multiple testing: see
    :func:`adjust_pvalues`.
    """
    a = np.atleast_1d(_as_counts(after, "after"))
    b = np.atleast_1d(_as_counts(before, "before"))
    if a.shape != b.shape:
        raise StatisticsInputError(f"after has {a.size} counts but before has {b.size}.")
    ea = _as_exposure(exposure_after, "exposure_after", a.size)
    eb = _as_exposure(exposure_before, "exposure_before", a.size)
    if method not in METHOD_NAMES:
        raise StatisticsInputError(f"method must be one of {sorted(METHOD_NAMES)}, not {method!r}.")
    if not 0.5 < confidence < 1:
        raise StatisticsInputError(f"confidence must be between 0.5 and 1, not {confidence}.")
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero 'before' count gives an infinite ratio
        return _compare_loop(a, b, ea, eb, method, confidence, margin_pct)


def _compare_loop(a, b, ea, eb, method, confidence, margin_pct) -> pd.DataFrame:
    rows = []
    for x1, x0, e1, e0 in zip(a.astype(np.int64).tolist(), b.astype(np.int64).tolist(), ea.tolist(), eb.tolist()):
        if x1 + x0 == 0:  # no records in either period: nothing to test, and not part of any family
            rows.append({"rate_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
                         "p_equivalence": np.nan})
            continue
        if method == "exact-cond":
            # central two-sided p-value (twice the smaller binomial tail), the test that the
            # Clopper-Pearson interval inverts, so the p-value and the interval never disagree
            n, p0 = x1 + x0, e1 / (e1 + e0)
            pval = min(1.0, 2 * min(sps.binom.cdf(x1, n, p0), sps.binom.sf(x1 - 1, n, p0)))
            res = None
        else:
            res = rates.test_poisson_2indep(x1, e1, x0, e0, method=method, compare="ratio")
            pval = float(res.pvalue)
        if method in ("exact-cond", "cond-midp"):
            lo, hi = exact_ratio_ci(x1, x0, e1, e0, confidence)
        else:
            lo, hi = rates.confint_poisson_2indep(x1, e1, x0, e0, method="score", compare="ratio",
                                                  alpha=1 - confidence)
        p_eq = np.nan
        if margin_pct is not None:
            low, upp = 1 - margin_pct / 100, 1 + margin_pct / 100
            p_eq = float(rates.tost_poisson_2indep(x1, e1, x0, e0, low, upp, method=method, compare="ratio").pvalue)
        ratio = (x1 / e1) / (x0 / e0) if x0 > 0 else np.inf
        rows.append({"rate_ratio": float(ratio), "ci_low": float(lo), "ci_high": float(hi),
                     "p_value": float(min(pval, 1.0)), "p_equivalence": p_eq})
    return pd.DataFrame(rows)


def adjust_pvalues(p, method: Correction = "holm") -> np.ndarray:
    """p-values adjusted for multiple testing; NaN entries are left out of the family and stay NaN."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if method not in CORRECTION_NAMES:
        raise StatisticsInputError(f"correction must be one of {sorted(CORRECTION_NAMES)}, not {method!r}.")
    if method == "none" or ok.sum() == 0:
        out[ok] = p[ok]
        return out
    out[ok] = multipletests(p[ok], method=method)[1]
    return out
