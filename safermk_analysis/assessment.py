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
                      geography.load_wards(area, cfg.data.geography), geography.population_totals(lsoas))
