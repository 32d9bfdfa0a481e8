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


def growth(lsoas: pd.DataFrame) -> dict:
    """Population 2011 and mid-2015 for the area and the average annual growth between them."""
    p11 = float(lsoas["residents_2011"].sum())
    p15 = float(lsoas["population_mid2015"].sum()) if lsoas["population_mid2015"].notna().all() else np.nan
    annual = (p15 / p11) ** (1 / 4.25) - 1 if p11 and not np.isnan(p15) else np.nan  # census day 27 March 2011
    return {"census_2011": p11, "mid_2015": p15, "annual_growth_pct": annual * 100,
            "note": "Population growth is the average between the 2011 census (March) and the mid-2015 estimate; "
                    "no later estimate is bundled, so growth since 2015 is unknown here"}


def faster_than_population(trend: dict, pop: dict) -> str:
    """A plain-English answer from the crime trend (annual % change with CI) and population growth."""
    g = pop["annual_growth_pct"]
    if np.isnan(trend.get("annual_pct_change", np.nan)) or np.isnan(g):
        return "Not enough data to compare the trend in crime with population growth."
    lo, hi, est = trend["ci_low"], trend["ci_high"], trend["annual_pct_change"]
    if lo > g:
        verdict = "faster than the population grew"
    elif hi < g:
        verdict = "more slowly than the population grew (or fell)"
    else:
        verdict = "at a rate that cannot be told apart from population growth"
    return (f"Recorded crime changed by {est:+.1f}% a year ({lo:+.1f}% to {hi:+.1f}%), {verdict} "
            f"({g:+.1f}% a year between 2011 and mid-2015). {pop['note']}.")


def rate_by_year(monthly_total: pd.Series, lsoas: pd.DataFrame, *, year_type: str = "financial",
                 per: int = 1000) -> pd.DataFrame:
    """Recorded crime per ``per`` residents in every complete year of ``monthly_total`` (a monthly
    series, NaN for missing months), with the denominator used and its year.

    A year with a month missing is left out (its rate would be too low). The denominator is the
    latest bundled estimate at or before the year (census 2011 or mid-2015), named in ``denominator``.
    """
    from .periods import year_period

    s = monthly_total.dropna()
    months = pd.PeriodIndex(s.index, freq="M")
    starts = sorted({(m.year if year_type == "calendar" or m.month >= 4 else m.year - 1) for m in months})
    p11 = float(lsoas["residents_2011"].sum())
    p15 = float(lsoas["population_mid2015"].sum()) if lsoas["population_mid2015"].notna().all() else np.nan
    rows = []
    for y in starts:
        period = year_period(y, year_type)
        want = set(map(str, period.months))
        have = set(map(str, months))
        if not want <= have:
            continue
        count = float(s[[str(m) in want for m in months]].sum())
        use15 = not np.isnan(p15) and period.last >= pd.Period("2015-06", freq="M")
        denom, label = (p15, "mid-2015 estimate") if use15 else (p11, "census 2011")
        rows.append({"year": period.label, "records": int(count), "residents": int(round(denom)),
                     "denominator": label, f"per {per:,} residents": count / denom * per})
    return pd.DataFrame(rows, columns=["year", "records", "residents", "denominator", f"per {per:,} residents"])
