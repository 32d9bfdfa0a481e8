"""Reporting periods: financial/calendar years, previous year, latest complete year."""
from __future__ import annotations

import pandas as pd
import pytest

from safermk_analysis.errors import EmptySelectionError
from safermk_analysis.periods import (
    assessment_period,
    calendar_year,
    financial_year,
    latest_complete_year,
    rolling_12_months,
)


def test_financial_year():
    p = financial_year(2024)
    assert (str(p.first), str(p.last), p.label) == ("2024-04", "2025-03", "2024/25")
    assert len(p.months) == 12
    prev = p.previous_year()
    assert (str(prev.first), str(prev.last), prev.label) == ("2023-04", "2024-03", "2023/24")
    assert financial_year(1999).label == "1999/00"


def test_calendar_and_rolling():
    assert calendar_year(2025).previous_year().label == "2024"
    r = rolling_12_months("2025-06")
    assert (str(r.first), str(r.last)) == ("2024-07", "2025-06")
    assert str(r.previous_year().last) == "2024-06"


def test_missing_months():
    p = financial_year(2024)
    have = [str(m) for m in p.months if m != pd.Period("2024-09", "M")]
    assert p.missing(have) == ["2024-09"]


def test_latest_complete_year_skips_incomplete():
    months = [str(m) for m in pd.period_range("2023-02", "2025-12", freq="M")]
    assert latest_complete_year(months, "financial").label == "2024/25"
    assert latest_complete_year(months, "calendar").label == "2025"
    months.remove("2025-03")
    assert latest_complete_year(months, "financial").label == "2023/24"
    assert assessment_period(months, 2022, "financial").label == "2022/23"


def test_no_complete_year():
    with pytest.raises(EmptySelectionError, match="No complete financial year"):
        latest_complete_year(["2024-01", "2024-02"], "financial")


def test_quarters_and_comparison_periods():
    from safermk_analysis.periods import calendar_quarter, comparison_period, financial_quarter
    q1 = financial_quarter(2017, 1)
    assert (str(q1.first), str(q1.last), q1.label) == ("2017-04", "2017-06", "Q1 2017/18")
    assert q1.previous_year().label == "Q1 2016/17" and str(q1.previous_year().first) == "2016-04"
    q4 = financial_quarter(2024, 4)
    assert (str(q4.first), q4.previous_year().label) == ("2025-01", "Q4 2023/24")
    assert calendar_quarter(2025, 2).previous_year().label == "Q2 2024"
    months = [str(m) for m in pd.period_range("2023-02", "2025-12", freq="M")]
    assert comparison_period(months, "latest", "financial").label == "2024/25"
    assert comparison_period(months, "latest", "financial", "quarter").label == "Q4 2024/25"
    assert comparison_period(months, 2024, "financial", "quarter", 2).label == "Q2 2024/25"
    r = comparison_period(months, "latest", "financial", "rolling_12_months")
    assert (str(r.first), str(r.last)) == ("2025-01", "2025-12")
    with pytest.raises(ValueError):
        financial_quarter(2024, 5)


def test_month_runs_collapse_consecutive_months():
    from safermk_analysis.periods import month_runs
    assert month_runs(["2025-02", "2025-01", "2025-03", "2025-05", "2024-12"]) == "2024-12 to 2025-03, 2025-05"
    assert month_runs([]) == ""
