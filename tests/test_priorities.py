"""Priorities in the config and the prioritisation matrix."""
from __future__ import annotations

import pandas as pd
import pytest

from safermk_analysis import priorities, trends
from safermk_analysis.config import MoRiLE, load_config
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
    assert mt.loc["needs probation data", "reading"] == "no data source configured (needs probation data)"


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
