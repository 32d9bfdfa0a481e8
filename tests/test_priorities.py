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
    assert "a significant increase in Shoplifting (no better or worse direction is set" in recs[0]


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
