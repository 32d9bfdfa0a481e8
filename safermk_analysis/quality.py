"""The data-quality result of an ingest: what was read, kept and dropped, and why.

Every row read is either kept or dropped for exactly one reason, so
``rows_read == rows_kept + sum(drops.values())`` always holds (checked on construction).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from .periods import month_runs

#: Drop reasons in the order they are applied (a row is counted under the first that applies).
DROP_REASONS: dict[str, str] = {
    "malformed_row": "row with the wrong number of fields (dropped only with bad_rows='drop')",
    "empty_row": "row with every field empty (left behind by spreadsheet editing)",
    "bad_month": "Month not in YYYY-MM form (dropped only with bad_rows='drop')",
    "coordinates_outside_uk": "coordinates outside the UK (dropped only with bad_rows='drop')",
    "outside_requested_months": "month outside the requested months",
    "no_location": "no coordinates and no LSOA: police.uk could not place it, so no area can claim it",
    "outside_area": "located outside the selected area",
    "unknown_district": "no coordinates, and an LSOA name that names no district in the 2017 lookup",
    "unplaceable": "coordinates match no LSOA within the snapping distance, and the LSOA code is unknown",
    "duplicate": "a Crime ID already loaded (repeated file, overlapping downloads, or a crime police.uk "
                 "listed twice), or an ASB record from a month supplied twice",
}


@dataclass
class IngestQuality:
    """Plain-typed summary of one ingest (JSON-serialisable, small enough to copy cheaply)."""

    area: str | None
    lad_codes: list[str]
    rows_read: int
    rows_kept: int
    drops: dict[str, int]
    drops_by_month: dict[str, dict[str, int]]
    kept_by_month: dict[str, int]
    months_present: list[str]
    months_missing: list[str]
    files: list[dict[str, Any]]
    overlapping_files: list[dict[str, Any]]
    geocoded_share: float
    lsoa11_assignment: dict[str, int]
    max_snap_distance_m: float | None
    crime_types: dict[str, int]
    renamed_crime_types: dict[str, str]
    unknown_crime_types: dict[str, int]
    series_breaks: list[dict[str, Any]]
    forces: list[str]
    warnings: list[str] = field(default_factory=list)
    from_cache: bool = False
    #: accuracy of point-in-polygon placement, measured on rows that carry a 2011 code
    placement_check: dict | None = None

    def __post_init__(self) -> None:
        dropped = sum(self.drops.values())
        if self.rows_read != self.rows_kept + dropped:
            raise AssertionError(f"ingest accounting error: read {self.rows_read} != kept "
                                 f"{self.rows_kept} + dropped {dropped}")

    # --- views for reports -------------------------------------------------------------
    def drops_table(self) -> pd.DataFrame:
        """One row per drop reason with its count and meaning (reasons with zero rows included)."""
        return pd.DataFrame({
            "reason": list(DROP_REASONS),
            "rows": [self.drops.get(r, 0) for r in DROP_REASONS],
            "meaning": list(DROP_REASONS.values()),
        })

    def monthly_table(self, first: str | None = None, last: str | None = None) -> pd.DataFrame:
        """Month by month (optionally from ``first`` to ``last``): rows kept and set aside by reason.

        Only reasons that occur are shown; months without data are listed with present = False.
        """
        months = sorted(set(self.months_present) | set(self.months_missing))
        if first or last:
            span = pd.period_range(first or months[0], last or months[-1], freq="M").astype(str)
            months = list(span)
        rows = []
        for m in months:
            d = self.drops_by_month.get(m, {})
            rows.append({"month": m, "present": m in self.kept_by_month,
                         "kept": self.kept_by_month.get(m, 0), **{r: d.get(r, 0) for r in DROP_REASONS}})
        unknown = self.drops_by_month.get("unknown", {})
        if unknown and not (first or last):  # rows whose Month could not be read belong to no month
            rows.append({"month": "month unreadable", "present": False, "kept": 0,
                         **{r: unknown.get(r, 0) for r in DROP_REASONS}})
        out = pd.DataFrame(rows, columns=["month", "present", "kept", *DROP_REASONS])
        keep = ["month", "present", "kept"] + [r for r in DROP_REASONS if out[r].any()]
        return out[keep].rename(columns={r: r.replace("_", " ") for r in DROP_REASONS})

    def coverage_by_year(self, year_type: str = "financial") -> pd.DataFrame:
        """One row per financial (April-March) or calendar year: months present of 12, records kept."""
        if not self.months_present:
            return pd.DataFrame(columns=["year", "months present", "months missing", "records kept"])
        per = pd.PeriodIndex(self.months_present, freq="M")
        start = per.year - (per.month < 4) if year_type == "financial" else per.year
        kept = pd.Series([self.kept_by_month[m] for m in self.months_present], index=start)
        rows = []
        for y in range(int(start.min()), int(start.max()) + 1):
            n = int((start == y).sum())
            label = f"{y}/{(y + 1) % 100:02d}" if year_type == "financial" else str(y)
            rows.append({"year": label, "months present": n, "months missing": 12 - n,
                         "records kept": int(kept[kept.index == y].sum())})
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """A plain-English paragraph for the report."""
        dropped = self.rows_read - self.rows_kept
        reasons = ", ".join(f"{n:,} {DROP_REASONS[r].split(' (')[0]}" for r, n in self.drops.items() if n)
        span = (f"{self.months_present[0]} to {self.months_present[-1]}" if self.months_present else "no months")
        missing = (f"; {len(self.months_missing)} month(s) missing in that span ({month_runs(self.months_missing)})"
                   if self.months_missing else "; no month missing in that span")
        return (f"Read {self.rows_read:,} police.uk rows from {len(self.files)} file(s); kept {self.rows_kept:,} "
                f"for {self.area or 'all areas'} and dropped {dropped:,}" + (f" ({reasons})" if reasons else "")
                + f". Months {span}{missing}. {self.geocoded_share:.1%} of kept rows have coordinates.")

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "IngestQuality":
        return cls(**json.loads(text))


LSOA_METHODS: dict[str, str] = {
    "lsoa_code": "LSOA 2011 code as published",
    "point_in_polygon": "published with a 2021 LSOA code; placed in a 2011 LSOA by its coordinates",
    "nearest_lsoa": "coordinates just outside the generalised boundaries; nearest 2011 LSOA of its district",
    "lsoa_known_no_coordinates": "LSOA published (2021 code or name only) but no coordinates; counted in the "
                                 "area totals, no 2011 LSOA",
}


def assignment_table(q: IngestQuality) -> pd.DataFrame:
    """How kept records were placed in 2011 LSOAs, with counts and shares."""
    total = max(q.rows_kept, 1)
    rows = [{"method": LSOA_METHODS.get(k, k), "records": v, "share": v / total}
            for k, v in q.lsoa11_assignment.items()]
    return pd.DataFrame(rows, columns=["method", "records", "share"])


def category_table(q: IngestQuality) -> pd.DataFrame:
    """Crime types as published, the harmonised name used in the analysis, and records."""
    rows = [{"published as": k, "analysed as": q.renamed_crime_types.get(k, k), "records": v}
            for k, v in sorted(q.crime_types.items(), key=lambda kv: -kv[1])]
    return pd.DataFrame(rows, columns=["published as", "analysed as", "records"])


def coverage_findings(q: IngestQuality, period, threshold: int | None = None) -> list[str]:
    """Plain-English findings on coverage of the assessment period and its comparison year.

    With ``threshold`` (public edition), counts from 1 to it are written as 'fewer than N'.
    """
    from .disclosure import few
    out = []
    prev = period.previous_year()
    for name, p in (("assessment year", period), ("comparison year", prev)):
        miss = p.missing(q.months_present)
        if not miss:
            out.append(f"The {name} {p} has all 12 months of police.uk data.")
        else:
            out.append(f"The {name} {p} is missing {len(miss)} month(s): {', '.join(miss)}; "
                       "comparisons with it use like-for-like months only, or are not made.")
    dropped = q.rows_read - q.rows_kept
    reasons = [f"{few(n, threshold)} {DROP_REASONS[r].split(' (')[0].split(':')[0]}" for r, n in q.drops.items() if n]
    out.append(f"{q.rows_read:,} records were read and {q.rows_kept:,} kept; "
               + (f"{dropped:,} were set aside ({'; '.join(reasons)})." if dropped else "none was set aside."))
    placed = q.lsoa11_assignment.get("point_in_polygon", 0) + q.lsoa11_assignment.get("nearest_lsoa", 0)
    if placed:
        out.append(f"{placed:,} records ({placed / max(q.rows_kept, 1):.1%}) carried 2021 LSOA codes and were placed "
                   "in 2011 LSOAs by their coordinates"
                   + (f" (the farthest {q.max_snap_distance_m:,.0f} m outside the generalised boundary)."
                      if q.max_snap_distance_m else "."))
        pc = q.placement_check
        if pc:
            out.append(f"Checked on {pc['rows_checked']:,} records that carry a 2011 code, placement by coordinates "
                       f"agrees with police.uk's own LSOA for {pc['agreement']:.1%} of them ({pc['polygons']}); "
                       "LSOA-level figures for the placed records carry that uncertainty, area totals do not.")
    out.append(f"{q.geocoded_share:.1%} of kept records have map coordinates (police.uk snaps them to "
               "anonymised points near the true location).")
    for b in q.series_breaks:
        out.append(b["note"])
    if q.overlapping_files:
        out.append(f"{len(q.overlapping_files)} month(s) were supplied in more than one file; repeated records "
                   "were removed once and counted.")
    return out
