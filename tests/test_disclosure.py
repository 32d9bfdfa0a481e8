"""Public edition: no count from 1 to the threshold is shown, and no total gives one away."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
import yaml

from safermk_analysis import disclosure, trends
from safermk_analysis.config import DEFAULT_CONFIG, load_config

from .conftest import REPO, row, write_police_csv


def test_primary_and_secondary_suppression():
    v = np.array([120, 3, 40, 0, 55])
    assert disclosure.primary(v).tolist() == [False, True, False, False, False]
    both = disclosure.suppress_group(v)
    assert both.tolist() == [False, True, True, False, False]  # the smallest other non-zero cell goes too
    assert disclosure.suppress_group(v, total_published=False).tolist() == [False, True, False, False, False]
    two = disclosure.suppress_group(np.array([2, 3, 50, 60]))
    assert two.tolist() == [True, True, False, False]  # already two: their sum only is known
    assert disclosure.check_no_small_counts(disclosure.suppress_area_counts([1, 7, 9, 30]))


def test_period_table_cannot_be_unpicked_from_the_total():
    counts = pd.DataFrame({"category": ["All crime", "Robbery", "Burglary", "Violence", "ASB"],
                           "before": [150, 3, 47, 100, 2], "after": [160, 6, 54, 100, 30]})
    t = trends.compare_periods(counts)
    shown = disclosure.protect_period_table(t, ["Robbery", "Burglary", "Violence"])
    fam = shown["category"].isin(["Robbery", "Burglary", "Violence"])
    for col in ("before", "after"):
        values = pd.to_numeric(shown[col], errors="coerce")
        assert disclosure.check_no_small_counts(values)
        hidden = values[fam].isna().sum()
        assert hidden in (0,) or hidden >= 2, col  # one hidden cell would equal total minus the rest
    robbery = shown.set_index("category").loc["Robbery"]
    assert pd.isna(robbery["before"]) and pd.isna(robbery["pct_change"]) and pd.isna(robbery["statistical_verdict"])
    asb = shown.set_index("category").loc["ASB"]
    assert pd.isna(asb["before"]) and asb["after"] == 30  # ASB is not in the total: primary only
    line = trends.summary_line(shown)
    assert "suppressed in this edition" in line
    assert all("Robbery" not in s for s in trends.findings(shown))


def test_small_series_are_left_out_of_charts():
    m = pd.DataFrame({"A": [10.0, 12, 9], "B": [10.0, 3, 8], "C": [0.0, 0, 5]})
    kept, left = disclosure.drop_small_series(m)
    assert list(kept.columns) == ["A", "C"] and left == ["B"]


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._in = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._in, self._cell = True, ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._in and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(self._cell.strip())
            self._in = False

    def handle_data(self, data):
        if self._in:
            self._cell += data


def _parse(page: str):
    parser = _Cells()
    parser.feed(page)
    return parser.tables


@pytest.mark.slow
def test_every_section_on_a_small_fixture_public_and_restricted(tmp_path):
    """All six notebooks run by papermill on a small fixture; the public edition hides small counts."""
    from safermk_analysis import report
    mk = [("E01016796", "Milton Keynes 001A", "-0.70", "52.158")]
    rows, k = [], 0
    for month in pd.period_range("2023-04", "2025-03", freq="M"):
        later = month >= pd.Period("2024-04", "M")
        mix = {"Burglary": 5 if later else 4, "Violence and sexual offences": 12, "Robbery": 1 if month.month == 6 else 0,
               "Anti-social behaviour": 3}
        for crime_type, n in mix.items():
            for _ in range(n):
                k += 1
                cid = "" if crime_type == "Anti-social behaviour" else f"{k:064x}"
                code, name, lon, lat = mk[0]
                rows.append(row(cid, str(month), lon, lat, code=code, name=name, crime_type=crime_type))
    write_police_csv(tmp_path / "police" / "2023-04-thames-valley-street.csv", rows)
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text())
    base = load_config()
    raw["data"] = {"police_uk": str(tmp_path / "police"), "geography": str(base.data.geography)}
    raw["reporting"]["year"] = 2024
    # partner data flows through the partner section and a priority measure (trend, test, hot spots)
    raw["partners"] = [{"name": "Council ASB", "file": str(REPO / "data" / "partners" / "example_partner_incidents.csv"),
                        "columns": {"date": "reported_date", "category": "incident_type", "lsoa": "lsoa_code",
                                    "longitude": "lon", "latitude": "lat"}}]
    raw["priorities"].append({"name": "Fly-tipping", "notes": ["Example partner note for the test."],
                              "measures": [{"category": "Fly-tipping", "partner": "Council ASB"}]})
    cfg = tmp_path / "small.yaml"
    cfg.write_text(yaml.safe_dump(raw))
    result = report.run_assessment(cfg, 2024, tmp_path / "out", log=lambda s: None)
    assert result.ok, [(s.notebook, s.error) for s in result.sections if not s.ok]
    assert len(result.sections) == 6
    page = (result.out_dir / "02_crime_trends.html").read_text(encoding="utf-8")
    table = next(t for t in _parse(page) if t and "Statistical verdict" in t[0])
    header = table[0]
    cols = [header.index("2023/24"), header.index("2024/25")]
    for r in table[1:]:
        for c in cols:
            cell = r[c].replace(",", "")
            assert cell == "*" or not (cell.isdigit() and 1 <= int(cell) <= 4), r
    robbery = next(r for r in table[1:] if r[0] == "Robbery")
    assert robbery[cols[0]] == "*" and robbery[cols[1]] == "*"
    assert "suppressed: 1 to 4 records" in page
    assert re.search(r"Public edition", page) and "RESTRICTED" not in page
    ctx = (result.out_dir / "05_context_priorities.html").read_text(encoding="utf-8")
    measures = next(t for t in _parse(ctx) if t and "reading (long term)" in t[0] and
                    any(r[0] == "Fly-tipping" for r in t[1:]))
    fly = next(r for r in measures[1:] if r[0] == "Fly-tipping")
    assert fly[1] == "Council ASB" and "a year" in fly[measures[0].index("long-term trend")]
    for t in _parse(ctx):  # no count of 1 to 4 in any table of the public context section
        for r in t[1:]:
            for cell in r:
                c = cell.replace(",", "")
                assert not (c.isdigit() and 1 <= int(c) <= 4 and t[0][r.index(cell)] in ("2023/24", "2024/25")), r
    restricted = report.run_assessment(cfg, 2024, tmp_path / "out", audience="restricted", log=lambda s: None,
                                       notebooks=[("02_crime_trends.ipynb", "Trends")])
    rpage = restricted.sections[0].html.read_text(encoding="utf-8")
    assert "RESTRICTED" in rpage and "Restricted edition" in rpage and "suppressed: 1 to" not in rpage
    rtable = next(t for t in _parse(rpage) if t and "Statistical verdict" in t[0])
    assert next(r for r in rtable[1:] if r[0] == "Robbery")[1] == "1"  # full detail in the restricted edition


def test_protect_helpers():
    df = pd.DataFrame({"reason": ["a", "b"], "rows": [3, 40]})
    assert disclosure.protect_counts(df, ["rows"], None) is df
    shown = disclosure.protect_counts(df, ["rows"], 4)
    assert pd.isna(shown["rows"].iloc[0]) and shown["rows"].iloc[1] == 40
    areas = pd.DataFrame({"crimes": [2, 10, 50, 7], "per_1000": [1.0, 5.0, 25.0, 3.5]})
    out = disclosure.protect_area_counts(areas, ["crimes"], 4, rate_columns=["per_1000"])
    assert out["crimes"].isna().sum() == 2 and out["per_1000"].isna().sum() == 2  # 2 and, secondarily, 7
    assert disclosure.check_no_small_counts(out["crimes"])


def test_matrix_and_secondary_suppression_leave_nothing_to_recompute():
    from safermk_analysis import priorities
    counts = pd.DataFrame({"category": ["All crime", "Burglary", "Drugs", "Robbery", "ASB"],
                           "before": [100, 55, 40, 5, 20], "after": [100, 60, 37, 3, 25]})
    t = trends.compare_periods(counts)
    pm = priorities.matrix(t, None, {"Burglary": 0.5, "Drugs": 0.5, "Robbery": 0.5, "ASB": 0.5})
    shown = disclosure.protect_matrix(pm, ["Burglary", "Drugs", "Robbery"], 4).set_index("category")
    for col in ("after", "volume_score", "score"):
        assert pd.isna(shown.loc["Robbery", col]), col
    assert shown.loc[["Burglary", "Drugs", "Robbery"], "after"].isna().sum() >= 2  # not 100 - 60 - 37
    # a second hidden cell is never a zero when a non-zero one exists
    assert disclosure.suppress_group(np.array([0, 3, 9, 40])).tolist() == [False, True, True, False]


def test_measure_table_does_not_show_suppressed_partner_counts():
    from safermk_analysis import priorities
    from safermk_analysis.config import load_config
    cfg = load_config(overrides={
        "partners": [{"name": "Council", "file": "x.csv", "columns": {"date": "d", "category": "c"}}],
        "priorities": [{"name": "ASB", "measures": [{"category": "Noise", "partner": "Council"}],
                        "notes": ["Residents' meetings raise noise."]}]})
    pt = trends.compare_periods(pd.DataFrame({"category": ["Noise"], "before": [2], "after": [3]}), total_label=None)
    shown = disclosure.suppress_table(pt, ["before", "after"], derived_columns=disclosure.PERIOD_DERIVED)
    mt = priorities.measure_table(cfg, trends.compare_periods(pd.DataFrame(
        {"category": ["All crime"], "before": [10], "after": [12]})), None, {"Council": shown})
    assert pd.isna(mt["after"].iloc[0]) and mt["reading"].iloc[0].startswith("suppressed")
