"""Priorities: each priority's measures with their trend and significance, its hot spots, the
partners' qualitative notes (with their source and age), and a prioritisation matrix that ranks
categories by volume (optionally harm-weighted), change, concentration and analyst scores, with
the scoring method shown.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from .trends import NO_CHANGE, SIG_DOWN, SIG_UP, STABLE

WEIGHTS = {"volume": 0.40, "change": 0.30, "concentration": 0.15, "analyst": 0.15}
NO_SOURCE = "no data source configured"


def measure_table(config, period_table: pd.DataFrame, trend_table: pd.DataFrame | None = None,
                  partner_tables: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """One row per priority measure: counts, % change, the statistical verdict read against the
    measure's improvement direction, the long-term trend, or 'no data source configured'."""
    rows = []
    by_cat = period_table.set_index("category")
    trend = trend_table.set_index("category") if trend_table is not None else None
    for p in config.priorities:
        for m in p.measures:
            base = {"priority": p.name, "measure": m.category or m.unavailable, "source": "police.uk"}
            if m.unavailable is not None:
                rows.append({**base, "source": "none", "reading": NO_SOURCE})
                continue
            table = by_cat
            if m.partner is not None:
                base["source"] = m.partner
                pt = (partner_tables or {}).get(m.partner)
                table = pt.set_index("category") if pt is not None else None
            if table is None or m.category not in table.index:
                rows.append({**base, "reading": "no data for this category in the period"})
                continue
            r = table.loc[m.category]
            verdict = r["statistical_verdict"]
            if pd.isna(verdict) or pd.isna(r["after"]):
                rows.append({**base, "reading": "suppressed in this edition (small numbers)"})
                continue
            verdict = str(verdict).lower()
            good = {SIG_UP: m.direction == "higher_is_better", SIG_DOWN: m.direction == "lower_is_better"}
            if m.direction == "no_direction" and verdict in good:
                reading = f"{verdict} (no better or worse direction is set for this measure)"
            else:
                reading = ("improving" if good.get(verdict) else "worsening" if verdict in good else
                           "stable" if verdict == STABLE else "no significant change" if verdict == NO_CHANGE else
                           str(verdict))
            long_term, long_reading = "", ""
            if trend is not None and m.partner is None and m.category in trend.index:
                t = trend.loc[m.category]
                long_term = (f"{t['annual_pct_change']:+.1f}% a year" + (" (significant)" if t["nb_significant"] else ""))
                long_reading = _long_term_reading(t["annual_pct_change"], bool(t["nb_significant"]), m.direction)
            rows.append({**base, "before": r["before"], "after": r["after"], "pct_change": r["pct_change"],
                         "verdict": verdict, "reading": reading, "long_term": long_term,
                         "long_term_reading": long_reading})
    cols = ["priority", "measure", "source", "before", "after", "pct_change", "verdict", "reading", "long_term",
            "long_term_reading"]
    out = pd.DataFrame(rows).reindex(columns=cols)
    for c in ("before", "after"):
        out[c] = pd.to_numeric(out[c]).round().astype("Int64")
    return out


def _long_term_reading(pct: float, significant: bool, direction: str) -> str:
    """The long-term trend read against the measure's direction."""
    if not significant or pd.isna(pct):
        return "no significant trend"
    rising = pct > 0
    if direction == "no_direction":
        return "rising" if rising else "falling"
    return "improving" if rising == (direction == "higher_is_better") else "worsening"


def matrix(period_table: pd.DataFrame, trend_table: pd.DataFrame | None, gini: dict[str, float], *,
           harm_weights: dict[str, float] | None = None, scores: dict | None = None,
           residents: float | None = None) -> pd.DataFrame:
    """Rank categories by a transparent score (weights in ``.attrs['method']``).

    Components, each scaled 0-1: volume (count in the period, times the harm weight when given,
    divided by the largest); change (significant increase 1, no significant change or stable
    0.5, significant reduction 0, nudged ±0.25 by a significant long-term trend); concentration
    (Gini over LSOAs); analyst score (mean of the MoRiLE-style scores / 5, when given).
    """
    fam = period_table[period_table["in_family"].astype(bool)].copy()
    harm = harm_weights or {}
    fam["harm_weight"] = [harm.get(c, np.nan) for c in fam["category"]]
    use_harm = bool(harm) and fam["harm_weight"].notna().any()
    vol = fam["after"].astype(float) * (fam["harm_weight"].fillna(fam["harm_weight"].median()) if use_harm else 1.0)
    fam["volume_score"] = vol / vol.max() if vol.max() > 0 else 0.0
    change = fam["statistical_verdict"].map({SIG_UP: 1.0, SIG_DOWN: 0.0}).fillna(0.5)
    if trend_table is not None:
        t = trend_table.set_index("category")
        nudge = [0.25 * np.sign(t.loc[c, "annual_pct_change"]) if c in t.index and t.loc[c, "nb_significant"] else 0.0
                 for c in fam["category"]]
        change = (change + np.array(nudge)).clip(0, 1)
    fam["change_score"] = change.to_numpy()
    fam["concentration_score"] = [gini.get(c, np.nan) for c in fam["category"]]
    sc = scores or {}
    fam["analyst_score"] = [np.mean([sc[c].impact, sc[c].likelihood, sc[c].organisational_position]) / 5
                            if c in sc else np.nan for c in fam["category"]]
    weights = dict(WEIGHTS)
    if fam["analyst_score"].isna().all():
        weights.pop("analyst")
    total = sum(weights.values())
    weights = {k: v / total for k, v in weights.items()}
    fam["score"] = sum(w * fam[f"{k}_score"].fillna(0) for k, w in weights.items())
    if residents:
        fam["rate_per_1000"] = fam["after"] / residents * 1000
    fam = fam.sort_values("score", ascending=False)
    fam.insert(0, "rank", np.arange(1, len(fam) + 1))
    cols = ["rank", "category", "after", *(["rate_per_1000"] if residents else []), "statistical_verdict",
            *(["harm_weight"] if use_harm else []), "volume_score", "change_score", "concentration_score",
            *(["analyst_score"] if "analyst" in weights else []), "score"]
    out = fam[cols].reset_index(drop=True)
    out.attrs["method"] = ("score = " + " + ".join(f"{w:.2f} × {k}" for k, w in weights.items())
                           + "; volume = count" + (" × harm weight" if use_harm else "") + " / the largest; change = 1 for a "
                           "significant increase, 0.5 for no significant change or stable, 0 for a significant reduction, "
                           "±0.25 for a significant long-term trend; concentration = Gini over LSOAs"
                           + ("; analyst = mean MoRiLE-style score / 5. " if "analyst" in weights else ". ")
                           + "A ranking to start the partnership's discussion, not a verdict.")
    return out


# ----------------------------------------------------------------------------- qualitative notes
def note_status(note, period_end: _dt.date, max_age_months: int = 24) -> str:
    """'current', 'old' (dated more than ``max_age_months`` before ``period_end``) or 'undated'."""
    end = note.end()
    if end is None:
        return "undated"
    cutoff = (pd.Timestamp(period_end) - pd.DateOffset(months=max_age_months)).date()
    return "old" if end < cutoff else "current"


def notes_markdown(priority, period_end: _dt.date, max_age_months: int = 24) -> str:
    """The priority's qualitative notes as a Markdown list, each with its source and date, and a
    flag on notes that are undated or older than ``max_age_months`` before the end of the period."""
    lines = []
    for n in priority.notes:
        src = ", ".join(x for x in [n.source, n.date] if x)
        if n.url:
            src = f"[{src or 'source'}]({n.url})"
        status = note_status(n, period_end, max_age_months)
        flag = {"old": f" **Dated {n.date}, more than {max_age_months} months before the end of the assessment "
                       "year: partners to confirm or replace it.**",
                "undated": " **Undated: partners to confirm it is current.**", "current": ""}[status]
        lines.append(f"- {n.text}" + (f" ({src})" if src else " (source not stated)") + flag)
    return "\n".join(lines)


def notes_table(config, period_end: _dt.date) -> pd.DataFrame:
    """Every priority's notes with source, date and status, one row per note (for the annex)."""
    age = config.thresholds.note_max_age_months
    return pd.DataFrame([{"priority": p.name, "note": n.text, "source": n.source or "not stated",
                          "date": n.date or "undated", "status": note_status(n, period_end, age)}
                         for p in config.priorities for n in p.notes],
                        columns=["priority", "note", "source", "date", "status"])


# ----------------------------------------------------------------------------- hot spots by priority
def priority_records(config, priority, records: pd.DataFrame, months, *,
                     partner_records: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The records of a priority's measures that have data, in ``months`` (Periods or 'YYYY-MM'):
    columns ``measure, source, month, easting, northing`` (NaN coordinates where none were given)."""
    want = {str(m) for m in months}
    parts = []
    for m in priority.measures:
        if m.unavailable is not None:
            continue
        if m.partner is not None:
            df = (partner_records or {}).get(m.partner)
            if df is None:
                continue
            sel = df["category"].astype(str).eq(m.category)
            source = m.partner
        else:
            df = records
            if m.category == config.categories.total:
                sel = ~df["crime_type"].astype(str).isin(config.categories.exclude_from_total)
            else:
                sel = df["category"].astype(str).eq(m.category)
            source = "police.uk"
        sel = sel & df["month"].astype(str).isin(want)
        sub = df.loc[sel]
        parts.append(pd.DataFrame({"measure": m.category, "source": source, "month": sub["month"].astype(str),
                                   "easting": sub["easting"].to_numpy(dtype=float),
                                   "northing": sub["northing"].to_numpy(dtype=float)}))
    cols = ["measure", "source", "month", "easting", "northing"]
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)[cols]


@dataclass
class PriorityHotspots:
    """Gi* hot spots of one priority's records on a grid: ``result`` is None when there is nothing
    to test (no measure with data, or too few located records), and ``finding`` says why."""

    priority: str
    records: int
    located: int
    result: gpd.GeoDataFrame | None
    finding: str
    choices: dict = field(default_factory=dict)


def priority_hotspots(config, priority, records: pd.DataFrame, grid: gpd.GeoDataFrame, period, *,
                      partner_records: dict[str, pd.DataFrame] | None = None, seed: int | None = None,
                      min_records: int = 30, places: gpd.GeoDataFrame | None = None,
                      name_column: str = "ward_nm") -> PriorityHotspots:
    """Getis-Ord Gi* (:func:`hotspots.gistar`, grid weights, FDR) on the records of a priority's
    measures in ``period`` (a :class:`periods.ReportingPeriod`), counted in ``grid``'s cells.

    Measures sharing records (a total and one of its categories) are counted once per record.
    Fewer than ``min_records`` located records are not tested: a hot spot of a handful of records
    is not a pattern. The finding names where hot spots lie (``places``' ``name_column``)."""
    from . import hotspots

    recs = priority_records(config, priority, records, period.months, partner_records=partner_records)
    measures = [m for m in priority.measures if m.unavailable is None]
    if not measures:
        return PriorityHotspots(priority.name, 0, 0, None, "No data source is configured for any measure "
                                "of this priority, so there is nothing to map.")
    police = recs["source"].eq("police.uk")
    if config.categories.total in set(recs.loc[police, "measure"]):
        # the total already holds its categories: keep only its rows from police.uk
        recs = recs[~police | recs["measure"].eq(config.categories.total)]
    located = recs["easting"].notna() & recs["northing"].notna()
    n, k = len(recs), int(located.sum())
    label = ", ".join(dict.fromkeys(recs["measure"])) or ", ".join(m.category for m in measures)
    if k < min_records:
        return PriorityHotspots(priority.name, n, k, None,
                                f"{k} located record(s) of {label} in {period.label}: too few (under {min_records}) "
                                "for a hot spot analysis.")
    cells = grid[["cell_id", "row", "col", "geometry"]].copy()
    cells.attrs.update(grid.attrs)
    cells["records"] = hotspots.count_in_grid(grid, recs.loc[located, "easting"], recs.loc[located, "northing"])
    res = hotspots.gistar(cells, "records", weights="grid", seed=config.seed if seed is None else seed)
    hot = [c for c in hotspots.CLASS_ORDER if c.startswith("Hot")]
    n_hot = int(res["hotspot_class"].astype(str).isin(hot).sum())
    size = f"{grid.attrs['cell_size']:,.0f} m"
    if n_hot:
        loc = hotspots.where(res, "hotspot_class", hot, places, name_column) if places is not None else ""
        finding = (f"{n_hot} {size} grid cells are hot spots of {label} in {period.label} (90% confidence or more, "
                   f"false discovery rate corrected over {len(res):,} cells)" + (f": {loc}." if loc else "."))
    else:
        finding = (f"No {size} grid cell is a significant hot spot of {label} in {period.label} once all "
                   f"{len(res):,} cells are tested together.")
    unlocated = n - k
    if unlocated:
        finding += f" {unlocated:,} record(s) without coordinates are counted in the measures but not mapped."
    choices = {**grid.attrs.get("choices", {}), **res.attrs["choices"]}
    return PriorityHotspots(priority.name, n, k, res, finding, choices)
