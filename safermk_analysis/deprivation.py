"""Crime and deprivation: rates by IMD 2019 decile, the share of crime in the most deprived LSOAs,
and a negative-binomial regression of LSOA counts on deprivation with a population offset.

IMD deciles are national (1 = the most deprived 10 % of LSOAs in England). Relationships are
between areas, not people: that crime is higher in more deprived LSOAs does not mean deprived
people commit or suffer more crime (the ecological fallacy).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .errors import InputDataError

ECOLOGICAL_CAVEAT = ("These are relationships between areas, not people: higher crime in more deprived LSOAs "
                     "does not show that deprived residents commit or suffer more crime (the ecological fallacy). "
                     "Town-centre LSOAs, with few residents and many visitors, weigh heavily.")


def _population(lsoas: pd.DataFrame) -> pd.Series:
    return lsoas["population_mid2015"].astype(float).fillna(lsoas["residents_2011"].astype(float))


def by_decile(lsoas: pd.DataFrame, counts, *, per: int = 1000) -> pd.DataFrame:
    """Records, residents and rate per ``per`` residents for each national IMD decile present."""
    if "imd_decile" not in lsoas or lsoas["imd_decile"].isna().all():
        raise InputDataError("the LSOAs carry no IMD 2019 decile (Welsh LSOAs have none in the bundled data).")
    df = pd.DataFrame({"decile": lsoas["imd_decile"].astype("Int64"), "records": np.asarray(counts, dtype=float),
                       "residents": _population(lsoas).to_numpy(), "lsoas": 1})
    out = df.dropna(subset=["decile"]).groupby("decile", observed=True)[["lsoas", "records", "residents"]].sum()
    out["rate"] = out["records"] / out["residents"] * per
    out["share_of_records"] = out["records"] / out["records"].sum()
    out = out.reset_index()
    out["decile"] = out["decile"].astype(int)
    return out


def deprived_share(lsoas: pd.DataFrame, counts) -> dict:
    """Share of records (and of residents) in the area's LSOAs among England's 10 % and 20 % most deprived."""
    d = lsoas["imd_decile"].astype(float).to_numpy()
    c = np.asarray(counts, dtype=float)
    pop = _population(lsoas).to_numpy()
    out = {}
    for label, top in (("10pct", 1), ("20pct", 2)):
        sel = d <= top
        out[f"lsoas_{label}"] = int(sel.sum())
        out[f"records_share_{label}"] = float(c[sel].sum() / c.sum()) if c.sum() else float("nan")
        out[f"residents_share_{label}"] = float(pop[sel].sum() / pop.sum())
    return out


def regression(lsoas: pd.DataFrame, counts, *, confidence: float = 0.95) -> dict:
    """Negative-binomial (NB2) regression of LSOA counts on IMD decile with a log-population offset.

    Reports the rate ratio per decile less deprived (exp of the slope) with its confidence interval
    and p-value, a plain-English reading and the ecological-fallacy caveat.
    """
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial

    d = lsoas["imd_decile"].astype(float).to_numpy()
    y = np.asarray(counts, dtype=float)
    pop = _population(lsoas).to_numpy()
    ok = ~np.isnan(d) & (pop > 0) & ~np.isnan(y)
    if ok.sum() < 10 or len(np.unique(d[ok])) < 3:
        return {"model": "not fitted", "lsoas": int(ok.sum()), "rate_ratio_per_decile": np.nan, "ci_low": np.nan,
                "ci_high": np.nan, "p_value": np.nan, "dispersion_alpha": np.nan, "caveat": ECOLOGICAL_CAVEAT,
                "reading": "Too few LSOAs with deprivation data (at least 10 over 3 or more deciles are needed) "
                           "to relate crime to deprivation."}
    X = sm.add_constant(pd.DataFrame({"decile": d[ok]}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = NegativeBinomial(y[ok], X, offset=np.log(pop[ok])).fit(disp=0, maxiter=300)
    b = fit.params["decile"]
    lo, hi = fit.conf_int(alpha=1 - confidence).loc["decile"]
    rr, rr_lo, rr_hi = float(np.exp(b)), float(np.exp(lo)), float(np.exp(hi))
    p = float(fit.pvalues["decile"])
    if p < 1 - confidence:
        direction = "lower" if rr < 1 else "higher"
        reading = (f"Each step to a less deprived decile goes with a crime rate {abs(1 - rr):.0%} {direction} "
                   f"(rate ratio {rr:.2f}, {confidence:.0%} CI {rr_lo:.2f} to {rr_hi:.2f}).")
    else:
        reading = (f"No significant link between deprivation decile and the crime rate at {confidence:.0%} "
                   f"confidence (rate ratio per decile {rr:.2f}, CI {rr_lo:.2f} to {rr_hi:.2f}).")
    return {"model": "negative binomial (NB2) regression of LSOA counts on IMD 2019 decile, log-population offset",
            "lsoas": int(ok.sum()), "rate_ratio_per_decile": rr, "ci_low": rr_lo, "ci_high": rr_hi, "p_value": p,
            "dispersion_alpha": float(fit.params.get("alpha", np.nan)), "reading": reading,
            "caveat": ECOLOGICAL_CAVEAT}
