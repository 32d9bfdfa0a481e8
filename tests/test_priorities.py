"""Priorities in the config (measures, partners' notes), their hot spots, the recommendations and the
prioritisation matrix."""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml

from safermk_analysis import hotspots, periods, priorities, summary, trends
from safermk_analysis.config import DEFAULT_CONFIG, MoRiLE, Note, load_config
from safermk_analysis.errors import ConfigError


def _table():
    counts = pd.DataFrame({"category": ["All crime", "Robbery", "Burglary", "Shoplifting"],
                           "before": [5000, 300, 1000, 2500], "after": [5300, 310, 900, 3300]})
    return trends.compare_periods(counts)


def test_priority_needs_a_measure_and_a_qualitative_note():
    with pytest.raises(ConfigError, match="qualitative note from partners"):
        load_config(overrides={"priorities": [{"name": "Violence", "measures": [{"category": "Robbery"}]}]})
    with pytest.raises(ConfigError, match="at least one quantitative measure|at least 1 item"):
        load_config(overrides={"priorities": [{"name": "Violence", "measures": [], "notes": ["Partners report ..."]}]})
    with pytest.raises(ConfigError, match="unknown category 'Knife crime'"):
        load_config(overrides={"priorities": [{"name": "V", "measures": [{"category": "Knife crime"}], "notes": ["x y"]}]})
    with pytest.raises(ConfigError, match="partner 'Council'"):
        load_config(overrides={"priorities": [{"name": "V", "measures": [{"category": "Noise", "partner": "Council"}],
                                               "notes": ["x y"]}]})


def test_measure_table_reads_direction_and_unavailable_measures():
    cfg = load_config(overrides={"priorities": [
        {"name": "Acquisitive crime", "measures": [{"category": "Shoplifting"}, {"category": "Burglary"}],
         "notes": ["Retailers report more organised theft."]},
        {"name": "Reducing re-offending", "measures": [{"unavailable": "needs probation data"}],
         "notes": ["Probation attends the board."]}]})
    mt = priorities.measure_table(cfg, _table()).set_index("measure")
    assert mt.loc["Shoplifting", "reading"] == "worsening"
    assert mt.loc["Burglary", "reading"] == "improving"
    assert mt.loc["needs probation data", "reading"] == "no data source configured"
    assert mt.loc["needs probation data", "source"] == "none" and len(mt) == 3  # listed, not dropped


def test_matrix_ranks_with_a_stated_method():
    t = _table()
    m = priorities.matrix(t, None, {"Robbery": 0.6, "Burglary": 0.4, "Shoplifting": 0.8})
    assert m["category"].tolist()[0] == "Shoplifting"          # largest, rising significantly, concentrated
    assert "All crime" not in m["category"].tolist()
    assert m["score"].is_monotonic_decreasing and m["rank"].tolist() == [1, 2, 3]
    assert "0.47 × volume" in m.attrs["method"] and "analyst" not in m.attrs["method"]
    harm = priorities.matrix(t, None, {}, harm_weights={"Robbery": 365.0, "Burglary": 60.0, "Shoplifting": 2.0},
                             scores={"Robbery": MoRiLE(impact=5, likelihood=4, organisational_position=3)})
    assert harm["category"].tolist()[0] == "Robbery" and "harm weight" in harm.attrs["method"]
    assert harm.loc[harm["category"] == "Robbery", "analyst_score"].item() == pytest.approx(0.8)


# ----------------------------------------------------------------------------- notes, directions, recommendations
def _one(notes, measures=None):
    return load_config(overrides={"priorities": [{"name": "P", "measures": measures or [{"category": "Robbery"}],
                                                  "notes": notes}]}).priorities[0]


def test_notes_take_a_source_and_date_and_plain_strings_still_work(tmp_path):
    p = _one(["Partners report more knife carrying.",
              {"text": "Retailers report organised theft.", "source": "BID", "date": 2024},
              {"text": "Hospital sees more assaults.", "source": "MKUH", "date": "2025-02", "url": "https://x.example"}])
    plain, year, month = p.notes
    assert plain.source is None and plain.date is None and plain.end() is None
    assert year.date == "2024" and year.end() == dt.date(2024, 12, 31)   # YAML's integer year accepted
    assert month.end() == dt.date(2025, 2, 28) and Note(text="abc", date="2024-02-10").end() == dt.date(2024, 2, 10)
    # a YAML date (unquoted 2024-03-31) is read too
    cfg_file = tmp_path / "c.yaml"
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text())
    raw["data"] = {"police_uk": str(DEFAULT_CONFIG.parent / raw["data"]["police_uk"]),
                   "geography": str(DEFAULT_CONFIG.parent / raw["data"]["geography"])}
    raw.pop("priorities")
    text = yaml.safe_dump(raw) + (
        "priorities:\n  - name: P\n    measures: [{category: Robbery}]\n"
        "    notes:\n      - {text: Seen at the workshop, date: 2024-03-31}\n")
    cfg_file.write_text(text)
    assert load_config(cfg_file).priorities[0].notes[0].date == "2024-03-31"
    with pytest.raises(ConfigError, match="YYYY, YYYY-MM or YYYY-MM-DD"):
        _one([{"text": "Partners say so.", "date": "March 2024"}])
    with pytest.raises(ConfigError, match="unknown key"):
        _one([{"text": "Partners say so.", "author": "me"}])
    with pytest.raises(ConfigError, match="at least one qualitative note"):
        _one([])


def test_priority_names_are_unique():
    with pytest.raises(ConfigError, match="given twice"):
        load_config(overrides={"priorities": [{"name": "P", "measures": [{"category": "Robbery"}], "notes": ["a b"]},
                                              {"name": "P", "measures": [{"category": "Drugs"}], "notes": ["c d"]}]})


def test_old_and_undated_notes_are_flagged():
    p = _one([{"text": "Recent view.", "source": "TVP", "date": "2024-06"},
              {"text": "Old view.", "source": "Probation", "date": "2011"},
              {"text": "Edge view.", "date": "2023-03"}, {"text": "Just too old.", "date": "2023-02"},
              "Undated view."])
    end = dt.date(2025, 3, 31)
    assert [priorities.note_status(n, end, 24) for n in p.notes] == ["current", "old", "current", "old", "undated"]
    md = priorities.notes_markdown(p, end, 24)
    lines = md.splitlines()
    assert len(lines) == 5
    assert lines[0] == "- Recent view. (TVP, 2024-06)"
    assert "Dated 2011, more than 24 months" in lines[1] and "(Probation, 2011)" in lines[1]
    assert "(source not stated)" in lines[4] and "Undated" in lines[4]
    linked = priorities.notes_markdown(_one([{"text": "See it.", "source": "Council", "url": "https://x.example"}]), end)
    assert "[Council](https://x.example)" in linked


def test_no_direction_measures_are_not_read_as_better_or_worse():
    cfg = load_config(overrides={"priorities": [
        {"name": "Drugs", "measures": [{"category": "Shoplifting", "direction": "no_direction"}], "notes": ["a b"]}]})
    mt = priorities.measure_table(cfg, _table())
    assert mt.loc[0, "verdict"] == "significant increase"
    assert mt.loc[0, "reading"].startswith("significant increase (no better or worse direction")
    recs = summary.recommendations(cfg, None, mt)
    assert recs[0] == ("'Drugs': a significant increase in Shoplifting year on year (no better or worse direction is "
                       "set: read it with partners).")


def test_long_term_trend_is_read_against_the_direction():
    trend = pd.DataFrame({"category": ["Shoplifting", "Burglary", "Robbery"], "annual_pct_change": [8.0, -5.0, 3.0],
                          "nb_significant": [True, True, False]})
    cfg = load_config(overrides={"priorities": [
        {"name": "Acquisitive", "measures": [{"category": "Shoplifting"}, {"category": "Burglary"},
                                             {"category": "Robbery", "direction": "higher_is_better"}],
         "notes": ["a b"]}]})
    mt = priorities.measure_table(cfg, _table(), trend).set_index("measure")
    assert mt.loc["Shoplifting", "long_term_reading"] == "worsening"
    assert mt.loc["Burglary", "long_term_reading"] == "improving"
    assert mt.loc["Robbery", "long_term_reading"] == "no significant trend"
    assert str(mt["before"].dtype) == "Int64"  # counts stay whole numbers in the table


def test_recommendations_say_what_each_priority_lacks():
    cfg = load_config(overrides={"priorities": [
        {"name": "Acquisitive", "measures": [{"category": "Shoplifting"}, {"category": "Burglary"},
                                             {"unavailable": "business crime survey: needs the BID's data"}],
         "notes": ["a b"]},
        {"name": "Re-offending", "measures": [{"unavailable": "proven re-offending rate: MoJ statistics"}],
         "notes": ["c d"]}]})
    recs = summary.recommendations(cfg, None, priorities.measure_table(cfg, _table()))
    assert recs[0] == ("'Acquisitive': worse than the year before on Shoplifting: review the actions; better than the "
                       "year before on Burglary. Still without data: business crime survey.")
    assert recs[1] == ("'Re-offending': no measure has a data source yet, so this assessment cannot say whether it is "
                       "improving; obtain proven re-offending rate.")


def test_milton_keynes_default_priorities():
    """The issue's set, each with notes that carry a source, and every measure listed."""
    cfg = load_config()
    names = [p.name for p in cfg.priorities]
    assert names == ["Reducing violence, including violence in public places", "Tackling domestic abuse",
                     "Drug and alcohol misuse", "Anti-social behaviour", "Reducing re-offending", "Road safety",
                     "Community engagement and fear of crime"]
    for p in cfg.priorities:
        assert p.notes and all(n.source and n.url for n in p.notes), p.name
    mt = priorities.measure_table(cfg, _table())
    assert len(mt) == sum(len(p.measures) for p in cfg.priorities)
    none = mt[mt["reading"] == "no data source configured"]["priority"]
    assert {"Tackling domestic abuse", "Reducing re-offending", "Road safety",
            "Community engagement and fear of crime"} <= set(none)
    drugs = next(m for p in cfg.priorities for m in p.measures if m.category == "Drugs")
    assert drugs.direction == "no_direction"


# ----------------------------------------------------------------------------- hot spots by priority
def _square(n=20, size=100.0):
    import shapely
    area = gpd.GeoDataFrame(geometry=[shapely.box(400000, 200000, 400000 + n * size, 200000 + n * size)], crs=27700)
    return hotspots.make_grid(area, size)


def _records(rng, n_background, cluster, category="Robbery", month="2024-05"):
    e = np.r_[rng.uniform(400000, 402000, n_background), rng.uniform(400800, 401100, cluster)]
    n = np.r_[rng.uniform(200000, 202000, n_background), rng.uniform(200800, 201100, cluster)]
    return pd.DataFrame({"month": pd.PeriodIndex([month] * len(e), freq="M"), "easting": e, "northing": n,
                         "category": category, "crime_type": category})


def test_priority_hotspots_find_a_planted_cluster_and_count_unlocated_records():
    rng = np.random.default_rng(1)
    recs = pd.concat([_records(rng, 300, 200),
                      _records(rng, 50, 0, month="2023-05"),                       # outside the period
                      _records(rng, 100, 0, category="Burglary")], ignore_index=True)  # not a measure
    recs.loc[0:4, ["easting", "northing"]] = np.nan                                 # no coordinates
    cfg = load_config(overrides={"priorities": [
        {"name": "Robbery", "measures": [{"category": "Robbery"}, {"unavailable": "x: y"}], "notes": ["a b"]}]})
    year = periods.financial_year(2024)
    grid = _square()
    hs = priorities.priority_hotspots(cfg, cfg.priorities[0], recs, grid, year, seed=3)
    assert hs.records == 500 and hs.located == 495
    hot = hs.result[hs.result["hotspot_class"].astype(str).str.startswith("Hot")]
    assert len(hot) >= 4
    inside = hot.geometry.centroid
    assert ((inside.x > 400700) & (inside.x < 401200) & (inside.y > 200700) & (inside.y < 201200)).all()
    assert "5 record(s) without coordinates" in hs.finding and "Benjamini-Hochberg" in hs.choices["correction"]
    assert "cell_size" in hs.choices


def test_priority_hotspots_refuse_too_few_records_and_unmeasured_priorities():
    rng = np.random.default_rng(2)
    cfg = load_config(overrides={"priorities": [
        {"name": "Robbery", "measures": [{"category": "Robbery"}], "notes": ["a b"]},
        {"name": "Roads", "measures": [{"unavailable": "KSI casualties: DfT STATS19"}], "notes": ["a b"]}]})
    year = periods.financial_year(2024)
    few = priorities.priority_hotspots(cfg, cfg.priorities[0], _records(rng, 10, 5), _square(), year)
    assert few.result is None and "15 located record(s)" in few.finding and "too few" in few.finding
    none = priorities.priority_hotspots(cfg, cfg.priorities[1], _records(rng, 10, 5), _square(), year)
    assert none.result is None and "no data source" in none.finding.lower()


def test_priority_hotspots_count_a_record_once_when_the_total_and_a_category_are_both_measures():
    rng = np.random.default_rng(4)
    recs = pd.concat([_records(rng, 200, 100), _records(rng, 100, 0, category="Burglary")], ignore_index=True)
    cfg = load_config(overrides={"priorities": [
        {"name": "All", "measures": [{"category": "All crime"}, {"category": "Robbery"}], "notes": ["a b"]}]})
    hs = priorities.priority_hotspots(cfg, cfg.priorities[0], recs, _square(), periods.financial_year(2024))
    assert hs.records == 400 and int(hs.result["records"].sum()) == 400


def test_priority_hotspots_use_partner_records():
    rng = np.random.default_rng(5)
    partner = _records(rng, 200, 150, category="Fly-tipping")
    example = partner.drop(columns="crime_type")
    cfg = load_config(overrides={
        "partners": [{"name": "Council ASB", "file": "x.csv", "columns": {"date": "d", "category": "c"}}],
        "priorities": [{"name": "ASB", "measures": [{"category": "Fly-tipping", "partner": "Council ASB"}],
                        "notes": ["a b"]}]})
    hs = priorities.priority_hotspots(cfg, cfg.priorities[0], _records(rng, 10, 0), _square(),
                                      periods.financial_year(2024), partner_records={"Council ASB": example})
    assert hs.records == 350 and (hs.result["hotspot_class"].astype(str).str.startswith("Hot")).any()


# ----------------------------------------------------------------------------- review findings
def test_note_dates_must_exist_and_future_dates_are_flagged(tmp_path):
    for bad in ("2024-13", "2024-00", "2024-02-30", "0000", "2024-99-99"):
        with pytest.raises(ConfigError, match="YYYY, YYYY-MM or YYYY-MM-DD.*not a real date"):
            _one([{"text": "Partners say so.", "date": bad}])
    cfg_file = tmp_path / "c.yaml"
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text())
    raw.pop("priorities")
    raw["data"] = {"police_uk": str(DEFAULT_CONFIG.parent / raw["data"]["police_uk"]),
                   "geography": str(DEFAULT_CONFIG.parent / raw["data"]["geography"])}
    cfg_file.write_text(yaml.safe_dump(raw) + "priorities:\n  - name: P\n    measures: [{category: Robbery}]\n"
                        "    notes:\n      - {text: Seen at the workshop, date: 2024-02-30}\n")
    with pytest.raises(ConfigError, match="a date must be a real date"):
        load_config(cfg_file)
    p = _one([{"text": "Typo.", "date": "2052"}, {"text": "This year.", "date": "2026"}])
    today = dt.date(2026, 11, 22)
    assert [priorities.note_status(n, dt.date(2025, 3, 31), 24, today) for n in p.notes] == ["future", "current"]
    assert "which is in the future" in priorities.notes_markdown(p, dt.date(2025, 3, 31), 24, today)


def test_measure_direction_defaults_to_the_category_improvement_direction():
    cfg = load_config(overrides={"priorities": [
        {"name": "P", "measures": [{"category": "Drugs"}, {"category": "Robbery"},
                                   {"category": "Drugs", "direction": "lower_is_better"}], "notes": ["a b"]}]})
    assert [m.direction for m in cfg.priorities[0].measures] == ["no_direction", "lower_is_better", "lower_is_better"]
    up = load_config(overrides={"categories.improvement": {"Drugs": "up"},
                                "priorities": [{"name": "P", "measures": [{"category": "Drugs"}], "notes": ["a b"]}]})
    assert up.priorities[0].measures[0].direction == "higher_is_better"


def test_long_term_readings_for_every_direction_reach_the_recommendations():
    t = _table()  # Shoplifting significant increase, Burglary significant reduction, Robbery no significant change
    trend = pd.DataFrame({"category": ["Shoplifting", "Burglary", "Robbery"], "annual_pct_change": [-6.0, 4.0, 9.0],
                          "nb_significant": [True, True, True]})
    cfg = load_config(overrides={"priorities": [
        {"name": "A", "measures": [{"category": "Shoplifting"}], "notes": ["a b"]},
        {"name": "B", "measures": [{"category": "Burglary", "direction": "higher_is_better"}], "notes": ["a b"]},
        {"name": "C", "measures": [{"category": "Robbery", "direction": "no_direction"}], "notes": ["a b"]}]})
    mt = priorities.measure_table(cfg, t, trend).set_index("measure")
    assert mt.loc["Shoplifting", ["reading", "long_term_reading"]].tolist() == ["worsening", "improving"]
    assert mt.loc["Burglary", ["reading", "long_term_reading"]].tolist() == ["worsening", "improving"]
    assert mt.loc["Robbery", ["reading", "long_term_reading"]].tolist() == ["no significant change", "rising"]
    recs = summary.recommendations(cfg, None, priorities.measure_table(cfg, t, trend))
    assert recs[0] == ("'A': worse than the year before on Shoplifting: review the actions; improving over the longer "
                       "term (significant trend) on Shoplifting.")
    assert recs[1] == ("'B': worse than the year before on Burglary: review the actions; improving over the longer "
                       "term (significant trend) on Burglary.")
    assert recs[2] == ("'C': no significant change year on year on Robbery; Robbery rising over the longer term "
                       "(significant trend; no direction is set: read it with partners).")
    nan = trend.assign(annual_pct_change=np.nan, nb_significant=np.nan)
    row = priorities.measure_table(cfg, t, nan).set_index("measure").loc["Robbery"]
    assert row["long_term"] == "not estimated" and row["long_term_reading"] == ""


def test_stable_is_not_called_no_significant_change():
    counts = pd.DataFrame({"category": ["All crime", "Theft"], "before": [50000, 20000], "after": [50100, 20050]})
    t = trends.compare_periods(counts)
    assert t.set_index("category").loc["Theft", "statistical_verdict"] == "stable"
    cfg = load_config(overrides={"priorities": [{"name": "T", "measures": [{"category": "Theft"}], "notes": ["a b"]}]})
    recs = summary.recommendations(cfg, None, priorities.measure_table(cfg, t))
    assert recs[0] == "'T': stable year on year (within ±10%) on Theft."


def test_suppressed_measures_stay_hidden_and_are_said_to_be_withheld():
    from safermk_analysis import disclosure, tables
    counts = pd.DataFrame({"category": ["All crime", "Robbery", "Burglary", "Shoplifting"],
                           "before": [3806, 3, 1000, 2803], "after": [4214, 2, 900, 3312]})
    t = trends.compare_periods(counts)
    shown = disclosure.protect_period_table(t, ["Robbery", "Burglary", "Shoplifting"], 4)
    cfg = load_config(overrides={"priorities": [
        {"name": "R", "measures": [{"category": "Robbery"}, {"category": "Burglary"}], "notes": ["a b"]}]})
    mt = priorities.measure_table(cfg, shown).set_index("measure")
    assert mt.loc["Robbery", "reading"] == "suppressed in this edition"
    assert pd.isna(mt.loc["Robbery", "before"]) and pd.isna(mt.loc["Robbery", "after"])
    mt = priorities.measure_table(cfg, shown)
    assert mt.attrs["suppressed"].loc[0, ["before", "after"]].tolist() == [True, True]
    html = tables.priority_measures(mt, "R").to_html()
    assert "*" in html and "suppressed" in html.lower()  # '*' cells and the footnote
    recs = summary.recommendations(cfg, None, mt)
    # the published total forces a second hidden cell (Burglary): neither is read as 'no significant change'
    assert recs[0] == "'R': figures for Robbery and Burglary are withheld in this edition (disclosure control)."


def test_matrix_recommendation_skips_categories_already_tracked():
    t = _table()
    m = priorities.matrix(t, None, {"Robbery": 0.6, "Burglary": 0.4, "Shoplifting": 0.8})
    cfg = load_config(overrides={"priorities": [{"name": "S", "measures": [{"category": "Shoplifting"}],
                                                 "notes": ["a b"]}]})
    recs = summary.recommendations(cfg, m, priorities.measure_table(cfg, t), top=2)
    assert any(r.startswith("Consider for priority status") and "Shoplifting" not in r for r in recs)
    assert "Of the matrix's top 2, Shoplifting is already tracked by a priority." in recs


def test_priority_hotspots_union_of_measures_and_public_counts():
    rng = np.random.default_rng(6)
    robbery = _records(rng, 100, 0)
    asb = _records(rng, 100, 100, category="ASB").assign(crime_type="Anti-social behaviour")
    recs = pd.concat([robbery, asb], ignore_index=True)
    year = periods.financial_year(2024)
    cfg = load_config(overrides={"priorities": [
        {"name": "Both", "measures": [{"category": "All crime"}, {"category": "ASB"}], "notes": ["a b"]},
        {"name": "Twice", "measures": [{"category": "Robbery"}, {"category": "Robbery"}], "notes": ["a b"]}]})
    both = priorities.priority_hotspots(cfg, cfg.priorities[0], recs, _square(), year)
    assert both.records == 300 and int(both.result["records"].sum()) == 300   # ASB is outside the total: kept
    assert "All crime and ASB (all its measures together)" in both.finding
    twice = priorities.priority_hotspots(cfg, cfg.priorities[1], recs, _square(), year)
    assert twice.records == 100
    # datetime months are read as months, not silently unmatched
    dated = recs.assign(month=recs["month"].dt.to_timestamp())
    assert priorities.priority_hotspots(cfg, cfg.priorities[1], dated, _square(), year).records == 100
    few = _records(rng, 12, 0).copy()
    few.loc[0:1, ["easting", "northing"]] = np.nan
    restricted = priorities.priority_hotspots(cfg, cfg.priorities[1], few, _square(), year)
    assert restricted.finding.startswith("10 located record(s)") and "2 record(s) without" in restricted.finding
    public = priorities.priority_hotspots(cfg, cfg.priorities[1], few, _square(), year, threshold=4)
    assert public.finding.startswith("fewer than 30 located record(s)")
    assert "fewer than 5 record(s) without coordinates" in public.finding and " 2 record" not in public.finding


def test_priority_hotspots_say_when_partner_data_is_not_loaded():
    rng = np.random.default_rng(7)
    cfg = load_config(overrides={
        "partners": [{"name": "Council ASB", "file": "x.csv", "columns": {"date": "d", "category": "c"}}],
        "priorities": [{"name": "ASB", "measures": [{"category": "ASB"},
                                                    {"category": "Fly-tipping", "partner": "Council ASB"}],
                        "notes": ["a b"]}]})
    recs = _records(rng, 100, 100, category="ASB")
    hs = priorities.priority_hotspots(cfg, cfg.priorities[0], recs, _square(), periods.financial_year(2024))
    assert hs.records == 200 and "Partner data not loaded for Council ASB" in hs.finding
    mt = priorities.measure_table(cfg, trends.compare_periods(pd.DataFrame(
        {"category": ["ASB"], "before": [100], "after": [120]})))
    assert mt.loc[1, "reading"] == "partner data not loaded"


def test_trend_table_stops_at_the_end_of_the_assessment_year():
    from safermk_analysis.assessment import load_assessment
    a = load_assessment(year=2023)
    monthly, trend = a.trend_table()
    assert str(monthly.index.max()) == "2024-03"
    assert str(a.trend_table(through="2024-09")[0].index.max()) == "2024-09"


def test_notes_summary_counts_notes_to_refresh():
    p = load_config(overrides={"priorities": [
        {"name": "A", "measures": [{"category": "Robbery"}], "notes": [{"text": "old one", "date": "2011"}, "undated"]},
        {"name": "B", "measures": [{"category": "Drugs"}], "notes": [{"text": "fresh", "date": "2025-01"}]}]})
    line = priorities.notes_summary(p, dt.date(2025, 3, 31), today=dt.date(2026, 1, 1))
    assert line == ("Of the partners' 3 qualitative notes on the priorities, 1 older than 24 months and 1 undated: "
                    "partners to confirm or replace them.")
    fresh = load_config(overrides={"priorities": [{"name": "B", "measures": [{"category": "Drugs"}],
                                                   "notes": [{"text": "fresh", "date": "2025-01"}]}]})
    assert priorities.notes_summary(fresh, dt.date(2025, 3, 31)) == ("The partners' qualitative note on the priorities "
                                                                     "is current.")
    assert priorities.notes_summary(load_config(overrides={"priorities": []}), dt.date(2025, 3, 31)) is None


def test_partner_measures_get_their_own_long_term_trend():
    cfg = load_config(overrides={
        "partners": [{"name": "Council ASB", "file": "x.csv", "columns": {"date": "d", "category": "c"}}],
        "priorities": [{"name": "ASB", "measures": [{"category": "Fly-tipping", "partner": "Council ASB"},
                                                    {"category": "Robbery"}], "notes": ["a b"]}]})
    partner = trends.compare_periods(pd.DataFrame({"category": ["Fly-tipping"], "before": [100], "after": [160]}),
                                     total_label=None)
    police_trend = pd.DataFrame({"category": ["Fly-tipping", "Robbery"], "annual_pct_change": [-20.0, 2.0],
                                 "nb_significant": [True, False]})
    partner_trend = pd.DataFrame({"category": ["Fly-tipping"], "annual_pct_change": [12.0], "nb_significant": [True]})
    mt = priorities.measure_table(cfg, _table(), police_trend, {"Council ASB": partner},
                                  {"Council ASB": partner_trend}).set_index("measure")
    # the partner's own trend, not the police.uk table's row of the same name
    assert mt.loc["Fly-tipping", ["long_term", "long_term_reading"]].tolist() == ["+12.0% a year (significant)",
                                                                                  "worsening"]
    assert mt.loc["Fly-tipping", "reading"] == "worsening" and mt.loc["Robbery", "long_term_reading"] == \
        "no significant trend"


def test_matrix_reads_change_against_each_category_direction():
    t = _table()  # Shoplifting significant increase, Burglary significant reduction
    trend = pd.DataFrame({"category": ["Shoplifting", "Burglary", "Robbery"], "annual_pct_change": [5.0, -5.0, 5.0],
                          "nb_significant": [True, True, True]})
    g = {"Robbery": 0.5, "Burglary": 0.5, "Shoplifting": 0.5}
    down = priorities.matrix(t, trend, g).set_index("category")["change_score"]
    assert down.to_dict() == {"Shoplifting": 1.0, "Burglary": 0.0, "Robbery": 0.75}   # capped at 1, floored at 0
    m = priorities.matrix(t, trend, g, directions={"Shoplifting": None, "Burglary": "up", "Robbery": "down"})
    ch = m.set_index("category")["change_score"]
    assert ch["Shoplifting"] == 0.5                    # no direction: the rise is not scored as worse
    assert ch["Burglary"] == 1.0                       # higher is better: a significant fall is worse
    assert ch["Robbery"] == 0.75
    assert "Shoplifting: no better or worse direction is set" in m.attrs["method"]
    assert "kept within 0 to 1" in m.attrs["method"]
