"""Disclosure control for the public edition: small counts suppressed before anything is drawn.

Rule: a count from 1 to the threshold (default 4) is suppressed (primary suppression). Where a
total is published, a single suppressed cell could be worked out by subtraction, so the smallest
other cell of the same group is suppressed too (secondary suppression). Values derived from a
suppressed count (change, % change, rates, tests) are suppressed with it. Zero is not suppressed:
it discloses nothing about a person. The restricted edition shows everything.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

SUPPRESSED = "*"
FOOTNOTE = ("* suppressed: 1 to {t} records, or a second figure hidden so that a suppressed one cannot be "
            "worked out from the total (public edition).")


def primary(values, threshold: int = 4) -> np.ndarray:
    """True where a count lies from 1 to ``threshold``."""
    v = np.asarray(values, dtype=float)
    return (v >= 1) & (v <= threshold)


def secondary(values, suppressed: np.ndarray) -> np.ndarray:
    """Add the smallest unsuppressed cell of a group whose total is published when exactly one is suppressed."""
    v = np.asarray(values, dtype=float)
    out = np.asarray(suppressed, dtype=bool).copy()
    if out.sum() == 1 and (~out).sum() >= 1:
        # the smallest other non-zero cell (a hidden zero would leave the sum of the two known)
        candidates = np.where(~out & ~np.isnan(v) & (v > 0), v, np.inf)
        if not np.isfinite(candidates).any():
            candidates = np.where(~out & ~np.isnan(v), v, np.inf)
        if np.isfinite(candidates).any():
            out[int(np.argmin(candidates))] = True
    return out


def suppress_group(values, threshold: int = 4, *, total_published: bool = True) -> np.ndarray:
    """Primary, then (when the group's total is published) secondary suppression of one group."""
    p = primary(values, threshold)
    return secondary(values, p) if total_published else p


def suppress_table(df: pd.DataFrame, count_columns: Iterable[str], *, threshold: int = 4,
                   in_total: np.ndarray | None = None, derived_columns: Iterable[str] = ()) -> pd.DataFrame:
    """A copy of ``df`` with suppressed counts and everything derived from them set to NaN.

    ``in_total`` marks the rows whose counts add up to a published total row (e.g. the crime
    categories under 'All crime'); secondary suppression runs within those rows, column by column.
    ``attrs["suppressed"]`` holds a boolean frame of the cells hidden (for the '*' marker).
    """
    out = df.copy()
    mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    fam = np.ones(len(df), bool) if in_total is None else np.asarray(in_total, dtype=bool)
    for col in count_columns:
        v = df[col].to_numpy(dtype=float)
        m = primary(v, threshold)
        if fam.any():
            m[fam] = suppress_group(v[fam], threshold, total_published=in_total is not None)
        mask[col] = m
    rows = mask[list(count_columns)].any(axis=1).to_numpy()
    for col in derived_columns:
        if col in mask:
            mask.loc[rows, col] = True
    for col in mask.columns:
        if mask[col].any():
            out[col] = out[col].astype(object)
            out.loc[mask[col].to_numpy(), col] = np.nan
    out.attrs = dict(df.attrs)
    out.attrs["suppressed"] = mask
    out.attrs["suppression_threshold"] = threshold
    return out


def suppress_area_counts(counts, threshold: int = 4) -> np.ndarray:
    """Counts per place (e.g. LSOA) with 1..threshold and one secondary cell set to NaN (the area total is published)."""
    v = np.asarray(counts, dtype=float).copy()
    v[suppress_group(v, threshold)] = np.nan
    return v


def check_no_small_counts(values, threshold: int = 4) -> bool:
    """True when no shown value lies from 1 to ``threshold`` (NaN = suppressed)."""
    v = np.asarray(values, dtype=float)
    return not primary(v[~np.isnan(v)], threshold).any()


PERIOD_DERIVED = ("change", "pct_change", "threshold_verdict", "rate_ratio", "ci_low", "ci_high", "p_value",
                  "p_adjusted", "p_equivalence", "statistical_verdict", "verdicts_agree")


def protect_period_table(table: pd.DataFrame, categories_in_total: Iterable[str], threshold: int = 4) -> pd.DataFrame:
    """Suppress a period comparison table: counts 1..threshold, a second category where the
    'All crime' total would reveal one, and every figure derived from a suppressed count."""
    in_total = table["category"].isin(list(categories_in_total)).to_numpy()
    return suppress_table(table, ["before", "after"], threshold=threshold, in_total=in_total,
                          derived_columns=PERIOD_DERIVED)


def categories_in_total(config) -> list[str]:
    """Reporting categories counted in the total (those with no crime type excluded from it)."""
    excl = set(config.categories.exclude_from_total)
    return [c for c, types in config.categories.map.items() if not set(types) & excl]


def drop_small_series(monthly: pd.DataFrame, threshold: int = 4) -> tuple[pd.DataFrame, list[str]]:
    """Columns of a monthly table with no month from 1 to ``threshold`` (and the names left out)."""
    small = [c for c in monthly.columns if primary(monthly[c].dropna().to_numpy(), threshold).any()]
    return monthly.drop(columns=small), small


def few(n: int, threshold: int | None) -> str:
    """A count for a sentence: '3' in the restricted edition, 'fewer than 5' when it would be suppressed."""
    if threshold is not None and 1 <= n <= threshold:
        return f"fewer than {threshold + 1}"
    return f"{n:,}"


def protect_counts(df: pd.DataFrame, columns: Iterable[str], threshold: int | None) -> pd.DataFrame:
    """Public edition: suppress small counts in ``columns`` of a table with no published total
    (primary suppression only); ``threshold=None`` (restricted edition) returns the table as it is."""
    return df if threshold is None else suppress_table(df, list(columns), threshold=threshold)


def protect_area_counts(areas, columns: Iterable[str], threshold: int | None, rate_columns: Iterable[str] = ()):
    """Public edition: per-place counts with primary and secondary suppression (the area total is
    published), and rates derived from a hidden count hidden too. Returns a copy."""
    out = areas.copy()
    if threshold is None:
        return out
    hidden = np.zeros(len(out), dtype=bool)
    for col in columns:
        out[col] = suppress_area_counts(areas[col], threshold)
        hidden |= out[col].isna().to_numpy() & areas[col].notna().to_numpy()
    for col in rate_columns:
        out[col] = out[col].where(~hidden)
    return out


def protect_matrix(matrix: pd.DataFrame, categories_in_total: Iterable[str], threshold: int = 4) -> pd.DataFrame:
    """Suppress the prioritisation matrix: the count, and the rate and scores computed from it,
    with secondary suppression among the categories that add up to the published total."""
    in_total = matrix["category"].isin(list(categories_in_total)).to_numpy()
    derived = [c for c in ("rate_per_1000", "volume_score", "score") if c in matrix]
    return suppress_table(matrix, ["after"], threshold=threshold, in_total=in_total, derived_columns=derived)
