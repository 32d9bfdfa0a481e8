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

from .trends import NO_CHANGE, SIG_DOWN, SIG_UP, STABLE, _in_total

WEIGHTS = {"volume": 0.40, "change": 0.30, "concentration": 0.15, "analyst": 0.15}
NO_SOURCE = "no data source configured"
NOT_LOADED = "partner data not loaded"
NO_DATA = "no data for this category in the period"
WITHHELD = "suppressed in this edition"
NO_DIRECTION = "(no better or worse direction is set for this measure)"


def measure_table(config, period_table: pd.DataFrame, trend_table: pd.DataFrame | None = None,
                  partner_tables: dict[str, pd.DataFrame] | None = None,
                  partner_trends: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """One row per priority measure: counts, % change, the partnership's ±% rule, the statistical
    verdict and its reading against the measure's direction, the long-term trend and its reading,
    or 'no data source configured'.

    ``trend_table`` and ``partner_trends`` (by partner name) are :func:`trends.trend_table` results.
    ``period_table`` (and each of ``partner_tables``) is what this edition may show: cells hidden
    by disclosure control (its ``attrs["suppressed"]``) stay hidden here, marked in
    ``attrs["suppressed"]`` so that :func:`tables.for_people` shows them as '*'.
    """
    rows, hidden = [], []
    trend_by_source = {None: trend_table, **(partner_trends or {})}
    trend_by_source = {k: v.set_index("category") for k, v in trend_by_source.items() if v is not None}
    threshold = period_table.attrs.get("suppression_threshold")

    def indexed(t):
        mask = t.attrs.get("suppressed")
        return t.set_index("category"), (mask.set_axis(t["category"].to_numpy()) if mask is not None else None)

    tables = {None: indexed(period_table)}
    for name, t in (partner_tables or {}).items():
        tables[name] = indexed(t)
        threshold = threshold if threshold is not None else t.attrs.get("suppression_threshold")
    for p in config.priorities:
        for m in p.measures:
            base = {"priority": p.name, "measure": m.category or m.unavailable,
                    "source": m.partner or ("none" if m.unavailable is not None else "police.uk")}
            hid = {"before": False, "after": False, "pct_change": False}
            if m.unavailable is not None:
                rows.append({**base, "reading": NO_SOURCE})
            elif m.partner is not None and m.partner not in tables:
                rows.append({**base, "reading": NOT_LOADED})
            elif m.category not in tables[m.partner][0].index:
                rows.append({**base, "reading": NO_DATA})
            else:
                table, mask = tables[m.partner]
                r = table.loc[m.category]
                if mask is not None and m.category in mask.index:
                    hid = {c: bool(mask.loc[m.category, c]) if c in mask.columns else False for c in hid}
                verdict = r["statistical_verdict"]
                row = {**base, "before": r["before"], "after": r["after"], "pct_change": r["pct_change"],
                       "rule": r.get("threshold_verdict"), "verdict": verdict}
                if pd.isna(verdict):
                    row["reading"] = WITHHELD
                else:
                    row["verdict"] = verdict = str(verdict).lower()
                    row["reading"] = _reading(verdict, m.direction)
                trend = trend_by_source.get(m.partner)
                if trend is not None and m.category in trend.index:
                    t = trend.loc[m.category]
                    pct, sig = t["annual_pct_change"], t["nb_significant"]
                    sig = bool(sig) if not pd.isna(sig) else False
                    row["long_term"] = ("not estimated" if pd.isna(pct)
                                        else f"{pct:+.1f}% a year" + (" (significant)" if sig else ""))
                    row["long_term_reading"] = "" if pd.isna(pct) else _long_term_reading(pct, sig, m.direction)
                rows.append(row)
            hidden.append(hid)
    cols = ["priority", "measure", "source", "before", "after", "pct_change", "rule", "verdict", "reading",
            "long_term", "long_term_reading"]
    out = pd.DataFrame(rows).reindex(columns=cols)
    for c in ("before", "after"):
        out[c] = pd.to_numeric(out[c]).round().astype("Int64")
    mask = pd.DataFrame(hidden, index=out.index, columns=["before", "after", "pct_change"])
    if mask.to_numpy().any():
        out.attrs["suppressed"] = mask
        out.attrs["suppression_threshold"] = threshold
    return out


def _reading(verdict: str, direction: str) -> str:
    """A year-on-year statistical verdict read against the measure's direction."""
    good = {SIG_UP: direction == "higher_is_better", SIG_DOWN: direction == "lower_is_better"}
    if direction == "no_direction" and verdict in good:
        return f"{verdict} {NO_DIRECTION}"
    return ("improving" if good.get(verdict) else "worsening" if verdict in good else
            "stable" if verdict == STABLE else "no significant change" if verdict == NO_CHANGE else verdict)


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
           residents: float | None = None, directions: dict[str, str | None] | None = None) -> pd.DataFrame:
    """Rank categories by a transparent score (weights in ``.attrs['method']``).

    Components, each scaled 0-1: volume (count in the period, times the harm weight when given,
    divided by the largest); change (a significant change for the worse 1, no significant change
    or stable 0.5, a significant change for the better 0, moved ±0.25 by a significant long-term
    trend and kept within 0-1; worse and better by ``directions``, the SPC improvement direction
    per category: 'down' (default) or 'up', and None for categories where no direction is set,
    whose change scores 0.5); concentration (Gini over LSOAs); analyst score (mean of the
    MoRiLE-style scores / 5, when given).
    """
    fam = period_table[period_table["in_family"].astype(bool)].copy()
    harm = harm_weights or {}
    fam["harm_weight"] = [harm.get(c, np.nan) for c in fam["category"]]
    use_harm = bool(harm) and fam["harm_weight"].notna().any()
    vol = fam["after"].astype(float) * (fam["harm_weight"].fillna(fam["harm_weight"].median()) if use_harm else 1.0)
    fam["volume_score"] = vol / vol.max() if vol.max() > 0 else 0.0
    dirs = {c: (None if d in (None, "none") else d) for c, d in (directions or {}).items()}
    worse_sign = np.array([{"down": 1.0, "up": -1.0}.get(dirs.get(c, "down"), 0.0) for c in fam["category"]])
    verdict_sign = fam["statistical_verdict"].map({SIG_UP: 1.0, SIG_DOWN: -1.0}).fillna(0.0).to_numpy()
    change = pd.Series(0.5 + 0.5 * verdict_sign * worse_sign, index=fam.index)
    if trend_table is not None:
        t = trend_table.set_index("category")
        nudge = [0.25 * np.sign(t.loc[c, "annual_pct_change"]) if c in t.index and t.loc[c, "nb_significant"] else 0.0
                 for c in fam["category"]]
        change = (change + np.array(nudge) * worse_sign).clip(0, 1)
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
    undirected = [c for c in fam["category"] if c in dirs and dirs[c] is None]
    out.attrs["method"] = ("score = " + " + ".join(f"{w:.2f} × {k}" for k, w in weights.items())
                           + "; volume = count" + (" × harm weight" if use_harm else "") + " / the largest; change = 1 for a "
                           "significant change for the worse since the year before, 0.5 for no significant change or "
                           "stable, 0 for a significant change for the better, then ±0.25 for a significant long-term "
                           "trend the same way, kept within 0 to 1"
                           + (f" ({', '.join(undirected)}: no better or worse direction is set, so 0.5)" if undirected
                              else "")
                           + "; concentration = Gini over LSOAs"
                           + ("; analyst = mean MoRiLE-style score / 5. " if "analyst" in weights else ". ")
                           + "A ranking to start the partnership's discussion, not a verdict.")
    return out


# ----------------------------------------------------------------------------- qualitative notes
def note_status(note, period_end: _dt.date, max_age_months: int = 24, today: _dt.date | None = None) -> str:
    """'current', 'old' (dated more than ``max_age_months`` before ``period_end``), 'undated', or
    'future' (dated after ``today``: a typing error)."""
    end = note.end()
    if end is None:
        return "undated"
    if note.start() > (today or _dt.date.today()):
        return "future"
    cutoff = (pd.Timestamp(period_end) - pd.DateOffset(months=max_age_months)).date()
    return "old" if end < cutoff else "current"


def notes_markdown(priority, period_end: _dt.date, max_age_months: int = 24, today: _dt.date | None = None) -> str:
    """The priority's qualitative notes as a Markdown list, each with its source and date, and a
    flag on notes that are undated, dated in the future, or older than ``max_age_months`` before
    the end of the period."""
    lines = []
    for n in priority.notes:
        src = ", ".join(x for x in [n.source, n.date] if x)
        if n.url:
            src = f"[{src or 'source'}]({n.url})"
        status = note_status(n, period_end, max_age_months, today)
        flag = {"old": f" **Dated {n.date}, more than {max_age_months} months before the end of the assessment "
                       "year: partners to confirm or replace it.**",
                "undated": " **Undated: partners to confirm it is current.**",
                "future": f" **Dated {n.date}, which is in the future: check the date.**", "current": ""}[status]
        lines.append(f"- {n.text}" + (f" ({src})" if src else " (source not stated)") + flag)
    return "\n".join(lines)


def notes_table(config, period_end: _dt.date, today: _dt.date | None = None) -> pd.DataFrame:
    """Every priority's notes with source, date and status, one row per note."""
    age = config.thresholds.note_max_age_months
    return pd.DataFrame([{"priority": p.name, "note": n.text, "source": n.source or "not stated",
                          "date": n.date or "undated", "status": note_status(n, period_end, age, today)}
                         for p in config.priorities for n in p.notes],
                        columns=["priority", "note", "source", "date", "status"])


def notes_summary(config, period_end: _dt.date, today: _dt.date | None = None) -> str | None:
    """One sentence on how current the partners' notes are, or None without priorities."""
    t = notes_table(config, period_end, today)
    if t.empty:
        return None
    n = t["status"].value_counts()
    stale = [f"{n[s]} {w}" for s, w in (("old", f"older than {config.thresholds.note_max_age_months} months"),
                                         ("undated", "undated"), ("future", "dated in the future")) if n.get(s)]
    if not stale:
        return ("The partners' qualitative note on the priorities is current." if len(t) == 1 else
                f"All {len(t)} of the partners' qualitative notes on the priorities are current.")
    return (f"Of the partners' {len(t)} qualitative notes on the priorities, " + join_words(stale)
            + ": partners to confirm or replace them.")


# ----------------------------------------------------------------------------- hot spots by priority
def _month_strings(month: pd.Series) -> pd.Series:
    """'YYYY-MM' for a column of monthly Periods, timestamps or strings."""
    if pd.api.types.is_datetime64_any_dtype(month):
        return month.dt.strftime("%Y-%m")
    return month.astype(str).str[:7]


def priority_records(config, priority, records: pd.DataFrame, months, *,
                     partner_records: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Each record that any of a priority's measures counts, once, in ``months`` (Periods or
    'YYYY-MM'): columns ``measure`` (its category), ``source``, ``month``, ``easting``, ``northing``
    (NaN where the source gave no coordinates). A record counted by two measures (the total and
    one of its categories) appears once. Partner sources not in ``partner_records`` are skipped
    (see :func:`priority_hotspots`, which says so)."""
    want = {str(m) for m in months}
    selections: dict[str | None, np.ndarray] = {}
    for m in priority.measures:
        if m.unavailable is not None:
            continue
        df = records if m.partner is None else (partner_records or {}).get(m.partner)
        if df is None:
            continue
        if m.partner is None and m.category == config.categories.total:
            sel = _in_total(df, config.categories.exclude_from_total)
        else:
            sel = df["category"].astype(str).eq(m.category).to_numpy()
        selections[m.partner] = selections.get(m.partner, np.zeros(len(df), dtype=bool)) | sel
    parts = []
    for source, sel in selections.items():
        df = records if source is None else partner_records[source]
        sub = df.loc[sel & _month_strings(df["month"]).isin(want).to_numpy()]
        parts.append(pd.DataFrame({"measure": sub["category"].astype(str).to_numpy(),
                                   "source": source or "police.uk", "month": _month_strings(sub["month"]).to_numpy(),
                                   "easting": sub["easting"].to_numpy(dtype=float),
                                   "northing": sub["northing"].to_numpy(dtype=float)}))
    cols = ["measure", "source", "month", "easting", "northing"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


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
    label: str = ""  # the measures mapped, e.g. 'ASB and Criminal damage'



def priority_hotspots(config, priority, records: pd.DataFrame, grid: gpd.GeoDataFrame, period, *,
                      partner_records: dict[str, pd.DataFrame] | None = None, seed: int | None = None,
                      min_records: int = 30, places: gpd.GeoDataFrame | None = None,
                      name_column: str = "ward_nm", threshold: int | None = None) -> PriorityHotspots:
    """Getis-Ord Gi* (:func:`hotspots.gistar`, grid weights, FDR) on the records of a priority's
    measures in ``period`` (a :class:`periods.ReportingPeriod`), counted in ``grid``'s cells.

    Each record counts once however many measures count it. Fewer than ``min_records`` located
    records are not tested: a hot spot of a handful of records is not a pattern. The finding
    names the wards (``places``' ``name_column``) holding hot spot cells. ``threshold``: the
    public edition's suppression threshold; counts in the finding are then never exact below
    ``min_records`` (they could undo the tables' suppression) and say 'fewer than N' up to it.
    """
    from . import hotspots
    from .disclosure import few

    measures = [m for m in priority.measures if m.unavailable is None]
    if not measures:
        return PriorityHotspots(priority.name, 0, 0, None, "No data source is configured for any measure "
                                "of this priority, so there is nothing to map.")
    missing = sorted({m.partner for m in measures if m.partner is not None and m.partner not in (partner_records or {})})
    note = (f" Partner data not loaded for {', '.join(missing)}: its measures are not mapped." if missing else "")
    recs = priority_records(config, priority, records, period.months, partner_records=partner_records)
    located = (recs["easting"].notna() & recs["northing"].notna()).to_numpy()
    n, k = len(recs), int(located.sum())
    label = join_words([m.category for m in measures if m.partner is None or m.partner not in missing]) or "its measures"
    unlocated = (f" {few(n - k, threshold)} record(s) without coordinates are counted in the measures but not mapped."
                 if n - k else "")
    if k < min_records:
        shown = few(k, threshold) if threshold is None or k == 0 else f"fewer than {min_records}"
        return PriorityHotspots(priority.name, n, k, None,
                                f"{shown} located record(s) of {label} in {period.label}: too few (under "
                                f"{min_records}) for a hot spot analysis." + unlocated + note)
    cells = grid[["cell_id", "row", "col", "geometry"]].copy()
    cells.attrs.update(grid.attrs)
    cells["records"] = hotspots.count_in_grid(grid, recs.loc[located, "easting"], recs.loc[located, "northing"])
    res = hotspots.gistar(cells, "records", weights="grid", seed=config.seed if seed is None else seed)
    hot = [c for c in hotspots.CLASS_ORDER if c.startswith("Hot")]
    n_hot = int(res["hotspot_class"].astype(str).isin(hot).sum())
    size = f"of {grid.attrs['cell_size']:,.0f} m"
    together = " (all its measures together)" if len(measures) > 1 else ""
    if n_hot:
        loc = hotspots.where(res, "hotspot_class", hot, places, name_column) if places is not None else ""
        finding = (f"{n_hot} grid cells {size} are hot spots of {label}{together} in {period.label} (90% confidence "
                   f"or more, false discovery rate corrected over {len(res):,} cells)"
                   + (f"; hot spot cells by ward: {loc}." if loc else "."))
    else:
        finding = (f"None of the {len(res):,} grid cells {size} is a significant hot spot of {label}{together} in "
                   f"{period.label} once all are tested together.")
    share = recs.loc[located, "measure"].value_counts(normalize=True)
    if len(share) > 1 and share.iloc[0] >= 0.8:
        finding += (f" {share.index[0]} makes up {share.iloc[0]:.0%} of these records, so the map mostly shows "
                    "where it clusters.")
    finding += unlocated
    choices = {**grid.attrs.get("choices", {}), **res.attrs["choices"]}
    return PriorityHotspots(priority.name, n, k, res, finding + note, choices, label)


def join_words(items) -> str:
    """'A', 'A and B', 'A, B and C' (each item once, in order)."""
    items = [str(i) for i in dict.fromkeys(items)]
    return "" if not items else items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
