"""Report views: quality tables, people-formatted tables, the monthly chart, category helpers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safermk_analysis import categories, charts, quality, tables
from safermk_analysis.periods import financial_year


def _q(**kw) -> quality.IngestQuality:
    base = dict(area="Testshire", lad_codes=["E0"], rows_read=110, rows_kept=100,
                drops={"no_location": 6, "duplicate": 4}, drops_by_month={"2024-05": {"no_location": 6, "duplicate": 4}},
                kept_by_month={"2024-04": 40, "2024-05": 30, "2024-07": 30}, months_present=["2024-04", "2024-05", "2024-07"],
                months_missing=["2024-06"], files=[], overlapping_files=[], geocoded_share=0.99,
                lsoa11_assignment={"lsoa_code": 90, "point_in_polygon": 10}, max_snap_distance_m=None,
                crime_types={"Violent crime": 60, "Burglary": 40}, renamed_crime_types={"Violent crime": "Violence and sexual offences"},
                unknown_crime_types={}, series_breaks=[], forces=["Test Police"])
    base.update(kw)
    return quality.IngestQuality(**base)


def test_accounting_is_enforced():
    with pytest.raises(AssertionError, match="accounting"):
        _q(rows_read=111)


def test_quality_tables():
    q = _q()
    d = q.drops_table()
    assert list(d["reason"]) == list(quality.DROP_REASONS) and d["rows"].sum() == 10
    m = q.monthly_table()
    assert list(m["month"]) == ["2024-04", "2024-05", "2024-06", "2024-07"]
    assert list(m["present"]) == [True, True, False, True]
    assert list(m.columns) == ["month", "present", "kept", "no location", "duplicate"]
    y = q.coverage_by_year("financial")
    assert y.to_dict("records") == [{"year": "2024/25", "months present": 3, "months missing": 9, "records kept": 100}]
    assert "Read 110" in q.summary() and "2024-06" in q.summary()
    a = quality.assignment_table(q)
    assert a["records"].sum() == 100 and a["share"].sum() == pytest.approx(1.0)
    c = quality.category_table(q)
    assert c.iloc[0].tolist() == ["Violent crime", "Violence and sexual offences", 60]
    assert quality.IngestQuality.from_json(q.to_json()) == q


def test_coverage_findings_name_missing_months():
    lines = quality.coverage_findings(_q(), financial_year(2024))
    assert any("2024/25" in s and "missing 9 month(s)" in s for s in lines)  # only Apr, May, Jul present
    assert any("comparison year 2023/24" in s and "missing 12" in s for s in lines)
    assert any("10 records (10.0%) carried 2021 LSOA codes" in s for s in lines)


def test_tables_for_people():
    df = pd.DataFrame({"category": ["Burglary"], "count": [12345], "share": [0.1160], "ok": [True]})
    html = tables.for_people(df, percent=["share"]).to_html()
    assert "12,345" in html and "11.60%" in html and ">yes<" in html
    assert "row0_col0" in html and "level0_row0" not in html  # no index column


def test_monthly_chart_shows_gaps_not_zeros():
    months = pd.PeriodIndex(["2024-01", "2024-01", "2024-02", "2024-04"], freq="M")
    df = pd.DataFrame({"month": months, "is_asb": [False, True, False, False]})
    fig = charts.monthly_counts(df, area="Testshire")
    ax = fig.axes[0]
    crime = ax.lines[0].get_ydata()
    assert len(crime) == 4 and np.isnan(crime[2]) and crime[0] == 1  # March is missing, not zero
    assert "1 missing" in ax.get_title(loc="left")
    assert any("data.police.uk" in t.get_text() for t in fig.texts)


def test_harmonise_and_reporting_map():
    raw = pd.Series(["Violent crime", "Burglary", "Violence and sexual offences", "Mystery"])
    out, unknown = categories.harmonise_crime_types(raw)
    assert list(out) == ["Violence and sexual offences", "Burglary", "Violence and sexual offences", "Mystery"]
    assert unknown == {"Mystery": 1}
    assert categories.reporting_category_map({"Theft": ["Other theft", "Bicycle theft"]}) == {
        "Other theft": "Theft", "Bicycle theft": "Theft"}
    with pytest.raises(ValueError, match="both"):
        categories.reporting_category_map({"A": ["Drugs"], "B": ["Drugs"]})
