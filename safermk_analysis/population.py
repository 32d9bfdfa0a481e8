"""Population denominators: LSOA figures aggregated to wards, MSOAs and the area, and the board's
standing question "is crime rising faster than the population?".

Bundled denominators: census 2011 usual residents and households, and the mid-2015 population
(IoD 2019 denominators, England). No later estimate is bundled, so rates for later years use the
mid-2015 figure, and the comparison with population growth uses the 2011-2015 growth rate.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

POP_COLUMNS = ("residents_2011", "households_2011", "population_mid2015")


def assign_wards(lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, name_column: str = "ward_nm") -> pd.Series:
    """Ward of each LSOA by the ward containing its representative point (wards and LSOAs do not nest)."""
    pts = gpd.GeoDataFrame({"i": np.arange(len(lsoas))}, geometry=lsoas.geometry.representative_point(), crs=lsoas.crs)
    joined = gpd.sjoin(pts, wards[[name_column, "geometry"]], how="left", predicate="within").drop_duplicates("i")
    return pd.Series(joined.sort_values("i")[name_column].to_numpy(), index=lsoas.index, name="ward")


def aggregate(lsoas: pd.DataFrame, by: str) -> pd.DataFrame:
    """Residents and households summed by ``by`` (e.g. 'msoa11cd', 'ward'), with LSOA counts."""
    cols = [c for c in POP_COLUMNS if c in lsoas]
    out = lsoas.groupby(by, observed=True)[cols].sum(min_count=1)
    out.insert(0, "lsoas", lsoas.groupby(by, observed=True).size())
    return out.reset_index()


def growth(lsoas: pd.DataFrame, override=None) -> dict:
    """Population at the 2011 census and mid-2015 for the area, and the average annual growth from
    the census to the latest figure: mid-2015, or ``override`` (a :class:`config.PopulationConfig`)
    when it is later."""
    p11 = float(lsoas["residents_2011"].sum())
    p15 = float(lsoas["population_mid2015"].sum()) if lsoas["population_mid2015"].notna().all() else np.nan
    census_day = 2011 + 86 / 365  # 27 March 2011
    recent = override is not None and override.year > 2015
    if recent:
        when, latest, label = override.decimal_year, float(override.residents), f"{override.source} ({override.year})"
    else:
        when, latest, label = 2015.5, p15, "the mid-2015 estimate"
    annual = (latest / p11) ** (1 / (when - census_day)) - 1 if p11 and not np.isnan(latest) else np.nan
    note = ("Population growth is the average annual rate over that span" if recent else
            "Population growth is the average between the 2011 census (March) and the mid-2015 estimate; no later "
            "estimate is bundled, so growth since 2015 is unknown here (set population: in the configuration to "
            "give one)")
    return {"census_2011": p11, "mid_2015": p15, "latest": latest, "annual_growth_pct": annual * 100,
            "period": f"between the 2011 census and {label}", "note": note}


def faster_than_population(trend: dict, pop: dict, months: str | None = None) -> str:
    """A plain-English answer from the crime trend (annual % change with CI, over ``months``, e.g.
    '2022-09 to 2025-03') and population growth, saying when the two periods differ."""
    g = pop["annual_growth_pct"]
    if np.isnan(trend.get("annual_pct_change", np.nan)) or np.isnan(g):
        return "Not enough data to compare the trend in crime with population growth."
    lo, hi, est = trend["ci_low"], trend["ci_high"], trend["annual_pct_change"]
    if lo > g:
        verdict = "faster than the population grew"
    elif hi < 0 and g > 0:
        verdict = "that is, it fell while the population grew"
    elif hi < g:
        verdict = "more slowly than the population grew"
    else:
        verdict = "at a rate that cannot be told apart from population growth"
    span = f" over {months}" if months else ""
    return (f"Recorded crime changed by {est:+.1f}% a year{span} ({lo:+.1f}% to {hi:+.1f}%), {verdict} "
            f"({g:+.1f}% a year {pop.get('period', 'since the 2011 census')}). {pop['note']}"
            + ("; the two rates cover different years, so the comparison is a rough one." if months else "."))


def rate_by_year(monthly_total: pd.Series, lsoas: pd.DataFrame, *, year_type: str = "financial",
                 per: int = 1000, override=None) -> pd.DataFrame:
    """Recorded crime per ``per`` residents in every complete year of ``monthly_total`` (a monthly
    series, NaN for missing months), with the denominator used and its year.

    A year with a month missing is left out (its rate would be too low). The denominator is the
    latest figure dated before the year ends: census 2011, mid-2015, or ``override`` (a
    :class:`config.PopulationConfig`), named in ``denominator``.
    """
    from .periods import year_period

    s = monthly_total.dropna()
    months = pd.PeriodIndex(s.index, freq="M")
    starts = sorted({(m.year if year_type == "calendar" or m.month >= 4 else m.year - 1) for m in months})
    figures = [(pd.Period("2011-03", freq="M"), float(lsoas["residents_2011"].sum()), "census 2011")]
    if lsoas["population_mid2015"].notna().all():
        figures.append((pd.Period("2015-06", freq="M"), float(lsoas["population_mid2015"].sum()), "mid-2015 estimate"))
    if override is not None:
        figures.append((pd.Period(override.month, freq="M"), float(override.residents), override.source))
    figures.sort(key=lambda f: f[0])
    have = set(map(str, months))
    rows = []
    for y in starts:
        period = year_period(y, year_type)
        want = set(map(str, period.months))
        if not want <= have:
            continue
        count = float(s[[str(m) in want for m in months]].sum())
        usable = [f for f in figures if f[0] <= period.last] or figures[:1]
        _, denom, label = usable[-1]
        rows.append({"year": period.label, "records": int(count), "residents": int(round(denom)),
                     "denominator": label, f"per {per:,} residents": count / denom * per})
    return pd.DataFrame(rows, columns=["year", "records", "residents", "denominator", f"per {per:,} residents"])


def residents_line(growth_: dict, totals: dict) -> str:
    """'Residents: 248,821 at the 2011 census, 262,828 in mid-2015 ...; which figure the rates use.'"""
    parts = [f"{growth_['census_2011']:,.0f} at the 2011 census"]
    if not np.isnan(growth_["mid_2015"]):
        parts.append(f"{growth_['mid_2015']:,.0f} in mid-2015")
    if totals.get("residents_year", 0) > 2015:
        parts.append(f"{totals['residents']:,} in {totals['residents_year']} ({totals['residents_source']})")
    return (f"Residents: {', '.join(parts)}; {totals['households']:,} households ({totals['households_source']}). "
            f"Area rates use {totals['residents']:,} residents ({totals['residents_source']}); LSOA rates use "
            f"each LSOA's {totals['lsoa_residents_source']}.")
