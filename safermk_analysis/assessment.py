"""Everything a report section starts from, loaded once: config, records, periods, area geography.

Every notebook opens with ``a = load_assessment(config_path, year, audience)`` and then only
calls analysis functions on ``a``'s fields.
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from . import geography, ingest, periods
from .config import Config, load_config
from .errors import EmptySelectionError


@dataclass
class Assessment:
    config: Config
    records: pd.DataFrame
    year: periods.ReportingPeriod        # the assessment year
    period: periods.ReportingPeriod      # the period of the board's table (year, quarter or rolling)
    before: periods.ReportingPeriod      # the same months a year earlier
    area: geography.Area
    lsoas: gpd.GeoDataFrame
    wards: gpd.GeoDataFrame | None
    population: dict

    @property
    def quality(self):
        return self.records.attrs["quality"]

    @property
    def population_figure(self):
        """The config's area population total when it applies to this assessment year, else None."""
        p = self.config.population
        return p if p is not None and p.year <= self.year.last.year else None

    @property
    def public(self) -> bool:
        """True for the public edition (small counts suppressed), False for the restricted one."""
        return self.config.audience == "public"

    @property
    def threshold(self) -> int:
        return self.config.thresholds.suppression_threshold

    @property
    def in_total(self) -> np.ndarray:
        """Records counted as crime (every police.uk type except those excluded from the total, i.e. ASB)."""
        return ~self.records["crime_type"].astype(str).isin(self.config.categories.exclude_from_total).to_numpy()

    def in_months(self, period: periods.ReportingPeriod) -> np.ndarray:
        return self.records["month"].isin(list(period.months)).to_numpy()

    def period_table(self, records: pd.DataFrame | None = None, period=None, before=None, *, total: bool = True,
                     allow_partial: bool | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The board's period table with the config's thresholds, and what this edition may show.

        ``records`` default to the police records; ``total`` adds the config's total row (and its
        secondary suppression in the public edition). Returns ``(table, shown)``.
        """
        from . import disclosure, trends

        cfg, th = self.config, self.config.thresholds
        label = cfg.categories.total if total else None
        counts = trends.period_counts(self.records if records is None else records, period or self.period,
                                      before or self.before, total_label=label,
                                      exclude_from_total=cfg.categories.exclude_from_total,
                                      allow_partial=cfg.reporting.allow_partial_periods if allow_partial is None
                                      else allow_partial)
        table = trends.compare_periods(counts, band_pct=th.change_band_pct, confidence=th.confidence, total_label=label)
        if not self.public:
            return table, table
        if total:
            return table, disclosure.protect_period_table(table, disclosure.categories_in_total(cfg), self.threshold)
        return table, disclosure.suppress_table(table, ["before", "after"], threshold=self.threshold,
                                                derived_columns=disclosure.PERIOD_DERIVED)

    def trend_table(self, records: pd.DataFrame | None = None, *, total: bool = True,
                    through: pd.Period | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Monthly series and both long-term trend tests, with the config's confidence, over the
        months up to ``through`` (default: the end of the assessment year, so that a re-run of an
        earlier year never reads later months), from the start of the latest unbroken run of
        months (:func:`trends.trend_window`). Returns ``(monthly, trend)``."""
        from . import trends

        cfg = self.config
        last = self.year.last if through is None else pd.Period(through, freq="M")
        monthly = trends.monthly_series(self.records if records is None else records,
                                        total_label=cfg.categories.total if total else None,
                                        exclude_from_total=cfg.categories.exclude_from_total)
        present = monthly.index[monthly.notna().any(axis=1)]
        first, window = trends.trend_window(present, last, max_gap=cfg.reporting.trend_max_gap_months,
                                            start=cfg.reporting.trend_from)
        monthly = monthly[(monthly.index >= first) & (monthly.index <= last)]
        if monthly.empty:
            raise EmptySelectionError(f"no month of data from {first} to {last}: nothing to read a trend from; "
                                      "check reporting.trend_from.")
        table = trends.trend_table(monthly, self.population["residents"], confidence=cfg.thresholds.confidence)
        table.attrs["choices"] = {**window, **table.attrs["choices"]}
        monthly.attrs["choices"] = dict(window)
        return monthly, table

    def partner_records(self, asb_only: bool = False) -> dict[str, pd.DataFrame]:
        """Every configured partner file (or only those marked ``asb: true``), loaded for the area."""
        from .partners import load_partner_csv

        return {ps.name: load_partner_csv(ps.file, name=ps.name, columns=ps.columns, area=self.config.area.lad_codes,
                                          geography_dir=self.config.data.geography, date_format=ps.date_format,
                                          dayfirst=ps.dayfirst)
                for ps in self.config.partners if ps.asb or not asb_only}


def load_assessment(config_path=None, year=None, audience=None, *, police_uk=None, suppression_threshold=None,
                    seed=None) -> Assessment:
    """Load config (with notebook overrides: None keeps the config's value), records, periods and geography."""
    cfg = load_config(config_path, overrides={"reporting.year": year, "audience": audience, "data.police_uk": police_uk,
                                              "thresholds.suppression_threshold": suppression_threshold, "seed": seed})
    records = ingest.load_police_uk(config=cfg)
    months = records.attrs["quality"].months_present
    r = cfg.reporting
    year_p = periods.assessment_period(months, r.year, r.year_type)
    period = periods.comparison_period(months, r.year, r.year_type, r.compare, r.quarter)
    area = geography.resolve_area(cfg.area.lad_codes, cfg.data.geography, name=cfg.area.name)
    lsoas = geography.load_lsoas(area, cfg.data.geography)
    return Assessment(cfg, records, year_p, period, period.previous_year(), area, lsoas,
                      geography.load_wards(area, cfg.data.geography),
                      geography.population_totals(lsoas, cfg.population, until=year_p.last))
