"""Reporting periods as values: financial and calendar years, previous periods, missing months.

Periods are pairs of monthly ``pandas.Period`` (first, last), computed here once and never
rebuilt from strings elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

import pandas as pd

from .errors import EmptySelectionError

YearType = Literal["financial", "calendar"]


@dataclass(frozen=True)
class ReportingPeriod:
    """A span of whole months, e.g. financial year 2024/25 = 2024-04 .. 2025-03."""

    first: pd.Period
    last: pd.Period
    label: str

    @property
    def months(self) -> pd.PeriodIndex:
        return pd.period_range(self.first, self.last, freq="M")

    def previous_year(self) -> "ReportingPeriod":
        """The same months one year earlier (the comparison period partnership papers use)."""
        first, last = self.first - 12, self.last - 12
        return ReportingPeriod(first, last, _shift_label(self.label, first))

    def missing(self, months_present: Iterable) -> list[str]:
        """Months of this period absent from ``months_present`` (strings or Periods)."""
        have = {str(m) for m in months_present}
        return [str(m) for m in self.months if str(m) not in have]

    def __str__(self) -> str:
        return f"{self.label} ({self.first:%b %Y} to {self.last:%b %Y})"


def _shift_label(label: str, first: pd.Period) -> str:
    if label.startswith("Q") and "/" in label:
        fy = first.year if first.month >= 4 else first.year - 1
        return f"{label.split()[0]} {financial_year(fy).label}"
    if label.startswith("Q"):
        return f"{label.split()[0]} {first.year}"
    if "/" in label:
        return financial_year(first.year).label
    return str(first.year) if label.isdigit() else f"12 months to {first + 11:%b %Y}"


def financial_year(start_year: int) -> ReportingPeriod:
    """UK financial year starting April ``start_year``: 2024 -> 2024/25 (Apr 2024 - Mar 2025)."""
    first = pd.Period(f"{start_year}-04", freq="M")
    return ReportingPeriod(first, first + 11, f"{start_year}/{(start_year + 1) % 100:02d}")


def calendar_year(year: int) -> ReportingPeriod:
    first = pd.Period(f"{year}-01", freq="M")
    return ReportingPeriod(first, first + 11, str(year))


def year_period(year: int, year_type: YearType) -> ReportingPeriod:
    """The assessment year of the given type starting in ``year``."""
    if year_type == "financial":
        return financial_year(year)
    if year_type == "calendar":
        return calendar_year(year)
    raise ValueError(f"year_type must be 'financial' or 'calendar', not {year_type!r}")


def financial_quarter(start_year: int, quarter: int) -> ReportingPeriod:
    """Quarter of a UK financial year: Q1 2024/25 = April-June 2024, Q4 = January-March 2025."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1-4, not {quarter!r}")
    first = pd.Period(f"{start_year}-04", freq="M") + 3 * (quarter - 1)
    return ReportingPeriod(first, first + 2, f"Q{quarter} {financial_year(start_year).label}")


def calendar_quarter(year: int, quarter: int) -> ReportingPeriod:
    """Calendar quarter: Q1 2025 = January-March 2025."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1-4, not {quarter!r}")
    first = pd.Period(f"{year}-01", freq="M") + 3 * (quarter - 1)
    return ReportingPeriod(first, first + 2, f"Q{quarter} {year}")


def rolling_12_months(last: str | pd.Period) -> ReportingPeriod:
    last = pd.Period(last, freq="M")
    return ReportingPeriod(last - 11, last, f"12 months to {last:%b %Y}")


def latest_complete_year(months_present: Iterable, year_type: YearType) -> ReportingPeriod:
    """The most recent year of ``year_type`` whose 12 months are all present.

    Raises :class:`EmptySelectionError` naming the months present when no year is complete.
    """
    have = sorted({pd.Period(str(m), freq="M") for m in months_present})
    if not have:
        raise EmptySelectionError("No months of data, so no assessment year can be chosen.")
    for start in range(have[-1].year, have[0].year - 2, -1):
        p = year_period(start, year_type)
        if not p.missing(have):
            return p
    raise EmptySelectionError(
        f"No complete {year_type} year in the data (months present: {have[0]}..{have[-1]}, "
        f"{len(have)} months). Add the missing months, or set reporting.year explicitly and "
        "reporting.allow_partial_periods: true.")


def assessment_period(months_present: Iterable, year: int | str, year_type: YearType) -> ReportingPeriod:
    """The configured assessment year (``'latest'`` = latest complete year in the data)."""
    if year == "latest":
        return latest_complete_year(months_present, year_type)
    return year_period(int(year), year_type)


def comparison_period(months_present: Iterable, year: int | str, year_type: YearType, compare: str = "year",
                      quarter: int | None = None) -> ReportingPeriod:
    """The period the board's table compares with the same months a year earlier.

    ``compare``: ``"year"`` (the assessment year), ``"quarter"`` (``quarter`` 1-4 of the
    assessment year, or its latest quarter with data when None) or ``"rolling_12_months"``
    (the 12 months ending with the latest month of data, or with the assessment year's end).
    """
    have = sorted({str(m) for m in months_present})
    year_p = assessment_period(have, year, year_type)
    if compare == "year":
        return year_p
    if compare == "quarter":
        make = financial_quarter if year_type == "financial" else calendar_quarter
        start = year_p.first.year
        if quarter is not None:
            return make(start, quarter)
        for q in (4, 3, 2, 1):
            p = make(start, q)
            if not p.missing(have):
                return p
        raise EmptySelectionError(f"No complete quarter of {year_p} in the data.")
    if compare == "rolling_12_months":
        last = min(pd.Period(have[-1], freq="M"), year_p.last) if year != "latest" else pd.Period(have[-1], freq="M")
        return rolling_12_months(last)
    raise ValueError(f"compare must be 'year', 'quarter' or 'rolling_12_months', not {compare!r}")


def month_runs(months) -> str:
    """'2025-01 to 2025-06, 2025-08 to 2025-09': months (Periods or 'YYYY-MM') with runs of
    consecutive months collapsed."""
    ps = sorted({pd.Period(m, freq="M") for m in months})
    runs, start = [], None
    for i, p in enumerate(ps):
        start = p if start is None else start
        if i + 1 == len(ps) or ps[i + 1] != p + 1:
            runs.append(str(start) if start == p else f"{start} to {p}")
            start = None
    return ", ".join(runs)
