"""Priorities: each priority's measures with their trend and significance, and a prioritisation
matrix that ranks categories by volume (optionally harm-weighted), change, concentration and
analyst scores, with the scoring method shown.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .trends import NO_CHANGE, SIG_DOWN, SIG_UP, STABLE

WEIGHTS = {"volume": 0.40, "change": 0.30, "concentration": 0.15, "analyst": 0.15}


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
                rows.append({**base, "source": "none", "reading": f"no data source configured ({m.unavailable})"})
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
            reading = ("improving" if good.get(verdict) else "worsening" if verdict in good else
                       "stable" if verdict == STABLE else "no significant change" if verdict == NO_CHANGE else
                       str(verdict))
            long_term = ""
            if trend is not None and m.partner is None and m.category in trend.index:
                t = trend.loc[m.category]
                long_term = (f"{t['annual_pct_change']:+.1f}% a year" + (" (significant)" if t["nb_significant"] else ""))
            rows.append({**base, "before": r["before"], "after": r["after"], "pct_change": r["pct_change"],
                         "verdict": verdict, "reading": reading, "long_term": long_term})
    cols = ["priority", "measure", "source", "before", "after", "pct_change", "verdict", "reading", "long_term"]
    return pd.DataFrame(rows).reindex(columns=cols)


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
