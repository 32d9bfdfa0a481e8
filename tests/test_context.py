"""Population denominators, deprivation analyses and partner data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safermk_analysis import deprivation, partners, population, trends
from safermk_analysis.errors import EmptySelectionError, InputDataError
from safermk_analysis.geography import load_lsoas, load_wards, resolve_area
from safermk_analysis.periods import financial_year

from .conftest import REPO

EXAMPLE = REPO / "data" / "partners" / "example_partner_incidents.csv"
COLUMNS = {"date": "reported_date", "category": "incident_type", "lsoa": "lsoa_code", "longitude": "lon",
           "latitude": "lat"}


def _lsoas(deciles, pop, counts=None):
    df = pd.DataFrame({"imd_decile": deciles, "population_mid2015": pop, "residents_2011": pop})
    return df


def test_rates_by_decile_and_deprived_share_on_known_numbers():
    l = _lsoas([1, 1, 2, 5, 10], [1000, 2000, 1000, 1000, 1000])
    counts = [30, 60, 20, 10, 5]
    t = deprivation.by_decile(l, counts).set_index("decile")
    assert t.loc[1, "records"] == 90 and t.loc[1, "residents"] == 3000 and t.loc[1, "rate"] == pytest.approx(30.0)
    assert t.loc[10, "rate"] == pytest.approx(5.0)
    s = deprivation.deprived_share(l, counts)
    assert s["records_share_10pct"] == pytest.approx(90 / 125) and s["records_share_20pct"] == pytest.approx(110 / 125)
    assert s["residents_share_10pct"] == pytest.approx(3000 / 6000)


def test_regression_recovers_a_known_rate_ratio():
    rng = np.random.default_rng(8)
    n = 400
    decile = rng.integers(1, 11, n)
    pop = rng.integers(1200, 2500, n).astype(float)
    mu = pop / 1000 * 80 * 0.85 ** (decile - 1)            # 15% lower per decile less deprived
    counts = rng.negative_binomial(5, 5 / (5 + mu))
    r = deprivation.regression(_lsoas(decile, pop), counts)
    assert r["ci_low"] < 0.85 < r["ci_high"] and r["p_value"] < 0.001
    assert "15% lower" in r["reading"] or "14% lower" in r["reading"] or "16% lower" in r["reading"]
    assert "ecological fallacy" in r["caveat"]


def test_imd_join_covers_every_mk_lsoa_and_wards_aggregate():
    mk = load_lsoas("E06000042")
    assert mk["imd_decile"].notna().all() and mk["imd_crime_decile"].notna().all()
    wards = load_wards(resolve_area("E06000042"))
    mk["ward"] = population.assign_wards(mk, wards)
    assert mk["ward"].notna().all()
    agg = population.aggregate(mk, "ward")
    assert agg["residents_2011"].sum() == 248_821 and agg["lsoas"].sum() == 152 and len(agg) == 23
    g = population.growth(mk)
    assert g["census_2011"] == 248_821 and g["mid_2015"] == 262_828
    years = 2015.5 - (2011 + 86 / 365)  # census day 27 March 2011 to mid-2015
    assert g["annual_growth_pct"] == pytest.approx(((262_828 / 248_821) ** (1 / years) - 1) * 100)
    assert "no later estimate is bundled" in g["note"]


def test_a_current_population_from_the_config_is_used_for_area_rates_and_growth():
    from safermk_analysis.config import PopulationConfig
    from safermk_analysis.geography import population_totals
    mk = load_lsoas("E06000042")
    census21 = PopulationConfig(residents=287_060, year=2021, reference="census_day",
                                source="Census 2021 usual residents (ONS)")
    pop = population_totals(mk, census21)
    assert pop["residents"] == 287_060 and pop["residents_source"] == "Census 2021 usual residents (ONS)"
    assert pop["lsoa_residents_source"].startswith("mid-2015") and pop["households_source"] == "census 2011 households"
    g = population.growth(mk, census21)
    years = (2021 + 80 / 365) - (2011 + 86 / 365)
    assert g["annual_growth_pct"] == pytest.approx(((287_060 / 248_821) ** (1 / years) - 1) * 100)
    assert "Census 2021 usual residents (ONS) (2021)" in g["period"] and "no later estimate" not in g["note"]
    line = population.faster_than_population({"annual_pct_change": 3.0, "ci_low": 2.0, "ci_high": 4.0}, g)
    assert "between the 2011 census and Census 2021" in line
    months = pd.period_range("2014-04", "2025-03", freq="M")
    t = population.rate_by_year(pd.Series(10.0, index=months), mk, override=census21).set_index("year")
    assert t.loc["2014/15", "denominator"] == "census 2011" and t.loc["2015/16", "denominator"] == "mid-2015 estimate"
    assert t.loc["2020/21", "denominator"] == "Census 2021 usual residents (ONS)"   # census day falls in 2020/21
    assert t.loc["2024/25", "per 1,000 residents"] == pytest.approx(120 / 287_060 * 1000)
    # a mid-year figure counts from 30 June, whatever its source text says
    mid22 = PopulationConfig(residents=290_000, year=2022, source="ONS mid-2022 estimate (Census 2021-based)")
    t22 = population.rate_by_year(pd.Series(10.0, index=months), mk, override=mid22).set_index("year")
    assert t22.loc["2021/22", "denominator"] == "mid-2015 estimate" and t22.loc["2022/23", "residents"] == 290_000
    # a re-run of an earlier year keeps the figures of its time
    assert population_totals(mk, census21, until=pd.Period("2019-03", freq="M"))["residents"] == 262_828
    line = population.faster_than_population({"annual_pct_change": -3.0, "ci_low": -5.0, "ci_high": -0.9},
                                             g, "2022-09 to 2025-03")
    assert "over 2022-09 to 2025-03" in line and "fell while the population grew" in line
    assert "cover different years" in line


def test_faster_than_population_reading():
    pop = {"annual_growth_pct": 1.3, "note": "Note.", "period": "between the 2011 census and the mid-2015 estimate"}
    assert "faster than" in population.faster_than_population(
        {"annual_pct_change": 3.0, "ci_low": 2.0, "ci_high": 4.0}, pop)
    assert "cannot be told apart" in population.faster_than_population(
        {"annual_pct_change": 1.5, "ci_low": 0.5, "ci_high": 2.5}, pop)


def test_partner_example_loads_and_flows_through_trends():
    df = partners.load_partner_csv(EXAMPLE, name="Example", columns=COLUMNS, area="E06000042",
                                   date_format="%d/%m/%Y")
    q = df.attrs["quality"]
    assert q["rows_read"] == 240 and q["rows_kept"] + sum(q["drops"].values()) == 240
    assert q["drops"]["outside_area"] == 0 and df["lsoa11cd"].notna().all()
    assert set(df["category"].cat.categories) == {"Fly-tipping", "Noise", "Abandoned vehicle", "Other ASB"}
    counts = trends.period_counts(df, financial_year(2024), total_label=None)
    t = trends.compare_periods(counts, total_label=None)
    assert t["after"].sum() + t["before"].sum() == 240 and len(t) == 4


def test_partner_bad_input(tmp_path):
    with pytest.raises(InputDataError, match="does not exist"):
        partners.load_partner_csv(tmp_path / "no.csv", name="x", columns=COLUMNS)
    f = tmp_path / "p.csv"
    f.write_text("when,what\n01/02/2024,Noise\n")
    with pytest.raises(InputDataError, match=r"column\(s\) not found: date -> 'reported_date'.*\['when', 'what'\]"):
        partners.load_partner_csv(f, name="x", columns=COLUMNS)
    f.write_text("when,what,lon,lat\nnot a date,Noise,,\n31/02/2024,Noise,,\n05/03/2024,,,\n06/03/2024,Noise,-0.13,51.5\n"
                 "07/03/2024,Noise,,\n")
    df = partners.load_partner_csv(f, name="x", columns={"date": "when", "category": "what", "longitude": "lon",
                                                         "latitude": "lat"}, area="E06000042")
    q = df.attrs["quality"]
    assert q["drops"]["bad_date"] == 2 and q["drops"]["no_category"] == 1 and q["drops"]["outside_area"] == 1
    assert q["rows_kept"] == 1 and q["unlocated_kept"] == 1  # London coordinates are outside Milton Keynes
    f.write_text("when,what\nnope,Noise\n")
    with pytest.raises(EmptySelectionError, match="bad_date 1"):
        partners.load_partner_csv(f, name="x", columns={"date": "when", "category": "what"})


def test_partner_dates_in_mixed_formats_and_malformed_lsoa_codes(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("when,what,lsoa\n13/06/2024,Noise,E01016796\n2024-06-14,Noise,E01016796\n14/06/2024 10:30,Noise,E01016796\n"
                 "15/06/2024,Noise,NOTACODE\n")
    df = partners.load_partner_csv(f, name="x", columns={"date": "when", "category": "what", "lsoa": "lsoa"},
                                   area="E06000042")
    q = df.attrs["quality"]
    assert q["rows_kept"] == 3 and q["drops"]["bad_date"] == 0 and q["drops"]["bad_lsoa_code"] == 1
    assert q["drops"]["outside_area"] == 0


def test_rate_by_year_uses_complete_years_and_names_the_denominator():
    months = pd.period_range("2014-04", "2016-06", freq="M")
    s = pd.Series(10.0, index=months)
    s[pd.Period("2015-07", freq="M")] = np.nan                       # 2015/16 has a month missing
    lsoas = pd.DataFrame({"residents_2011": [600.0, 400.0], "population_mid2015": [700.0, 500.0]})
    t = population.rate_by_year(s, lsoas)
    assert t["year"].tolist() == ["2014/15"]                         # 2015/16 incomplete, 2016/17 partial
    assert t.loc[0, "records"] == 120 and t.loc[0, "residents"] == 1000 and t.loc[0, "denominator"] == "census 2011"
    assert t.loc[0, "per 1,000 residents"] == pytest.approx(120.0)
    cal = population.rate_by_year(s.fillna(10.0), lsoas, year_type="calendar")
    assert cal["year"].tolist() == ["2015"] and cal.loc[0, "denominator"] == "mid-2015 estimate"
    assert cal.loc[0, "per 1,000 residents"] == pytest.approx(120 / 1200 * 1000)
