"""Partner incident data (council ASB, fire service, hospital, ...) in a generic CSV, next to police.uk.

A partner file needs a date and a category column, and optionally an LSOA code or coordinates
(longitude/latitude in WGS84, or easting/northing in British National Grid metres); the column
names are mapped in the config (``partners:``). Records come out in the same tidy shape as police
records (``month``, ``category``, ``lsoa11cd``, ``easting``, ``northing``), so the trend,
significance and map functions apply unchanged. Every row read is kept or counted under one reason.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import geography
from .errors import EmptySelectionError, InputDataError

REASONS = ("bad_date", "no_category", "bad_lsoa_code", "outside_area", "bad_coordinates")
LSOA_CODE = r"^[EW]0[12]\d{6}$"


def load_partner_csv(path, *, name: str, columns: dict, area=None, geography_dir=None,
                     date_format: str | None = None, dayfirst: bool = True) -> pd.DataFrame:
    """Load one partner CSV into tidy records with ``attrs["quality"]`` (rows read, kept, dropped by reason).

    ``columns`` maps our names to the file's: ``date`` and ``category`` (required), and ``lsoa``,
    ``longitude``/``latitude`` or ``easting``/``northing`` (optional). Rows whose location is
    given and lies outside ``area`` are dropped and counted; rows with no location are kept (a
    partner file usually covers only its own area) and counted as unlocated.
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"partner file {path} ({name}) does not exist; check partners[].file in the config.")
    for key in ("date", "category"):
        if key not in columns:
            raise InputDataError(f"partner '{name}': columns must name the file's '{key}' column.")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputDataError(f"{path} is not UTF-8 text; save it as 'CSV UTF-8'.") from None
    except pd.errors.EmptyDataError:
        raise InputDataError(f"{path} is empty.") from None
    except pd.errors.ParserError as err:
        raise InputDataError(f"{path} is not a readable CSV file: {err}") from None
    missing = [f"{k} -> '{v}'" for k, v in columns.items() if v not in raw.columns]
    if missing:
        raise InputDataError(f"{path}: column(s) not found: {', '.join(missing)}. The file has: {list(raw.columns)}. "
                             "Fix partners[].columns in the config.")
    n = len(raw)
    if n == 0:
        raise InputDataError(f"{path} has a header but no rows.")
    reason = np.full(n, "", dtype=object)
    with warnings.catch_warnings():  # without a format pandas notes that it parses row by row: expected
        warnings.simplefilter("ignore", UserWarning)
        dates = pd.to_datetime(raw[columns["date"]].str.strip(), format=date_format or "mixed", dayfirst=dayfirst,
                               errors="coerce")
    reason[dates.isna().to_numpy()] = "bad_date"
    cat = raw[columns["category"]].str.strip()
    reason[(reason == "") & (cat == "").to_numpy()] = "no_category"
    e = np.full(n, np.nan)
    no = np.full(n, np.nan)
    if "easting" in columns and "northing" in columns:
        e = pd.to_numeric(raw[columns["easting"]], errors="coerce").to_numpy()
        no = pd.to_numeric(raw[columns["northing"]], errors="coerce").to_numpy()
    elif "longitude" in columns and "latitude" in columns:
        lon = pd.to_numeric(raw[columns["longitude"]], errors="coerce").to_numpy()
        lat = pd.to_numeric(raw[columns["latitude"]], errors="coerce").to_numpy()
        bad = ~np.isnan(lon) & ~np.isnan(lat) & ((lon < -8.7) | (lon > 1.9) | (lat < 49.8) | (lat > 61))
        reason[(reason == "") & bad] = "bad_coordinates"
        ok = ~np.isnan(lon) & ~np.isnan(lat) & ~bad
        if ok.any():
            from .ingest import _transformer
            e[ok], no[ok] = _transformer().transform(lon[ok], lat[ok])
    lsoa = raw[columns["lsoa"]].str.strip().replace("", None) if "lsoa" in columns else pd.Series([None] * n)
    malformed = lsoa.notna().to_numpy() & ~lsoa.fillna("").str.match(LSOA_CODE).to_numpy()
    reason[(reason == "") & malformed & np.isnan(e)] = "bad_lsoa_code"  # with coordinates, the point decides
    lsoa = lsoa.where(~malformed, None)
    area_obj = geography.resolve_area(area, geography_dir) if area is not None else None
    look = geography.lsoa_lookup(geography_dir)
    code2lsoa = set(look["lsoa11cd"])
    lsoa11 = lsoa.where(lsoa.isin(code2lsoa), None)
    placed = lsoa11.isna().to_numpy() & ~np.isnan(e)
    if placed.any():
        polys = geography.load_lsoas(area_obj, geography_dir) if area_obj is not None else geography.load_lsoas(None, geography_dir)
        import shapely
        tree = shapely.STRtree(polys.geometry.values)
        pts = shapely.points(e[placed], no[placed])
        pi, ti = tree.query(pts, predicate="intersects")
        codes = np.full(len(pts), None, dtype=object)
        first = np.unique(pi, return_index=True)[1]
        codes[pi[first]] = polys["lsoa11cd"].to_numpy()[ti[first]]
        vals = np.array(lsoa11.to_numpy(dtype=object), copy=True)
        vals[np.flatnonzero(placed)] = codes
        lsoa11 = pd.Series(vals)
    if area_obj is not None:
        located = lsoa11.notna().to_numpy() | ~np.isnan(e) | lsoa.notna().to_numpy()
        inside = lsoa11.isin(area_obj.lsoa11_codes).to_numpy()
        reason[(reason == "") & located & ~inside] = "outside_area"
    keep = reason == ""
    if not keep.any():
        raise EmptySelectionError(f"no usable rows in {path}: "
                                  + ", ".join(f"{r} {int((reason == r).sum())}" for r in REASONS if (reason == r).any()))
    out = pd.DataFrame({
        "month": pd.PeriodIndex(dates[keep], freq="M"),
        "date": dates[keep].to_numpy(),
        "category": pd.Categorical(cat[keep].to_numpy()),
        "crime_type": pd.Categorical(cat[keep].to_numpy()),
        "lsoa11cd": pd.Categorical(lsoa11[keep].to_numpy()),
        "easting": e[keep], "northing": no[keep],
        "source": name,
    })
    months = sorted({str(m) for m in out["month"]})
    out.attrs["quality"] = {
        "source": name, "file": str(path), "rows_read": n, "rows_kept": int(keep.sum()),
        "drops": {r: int((reason == r).sum()) for r in REASONS},
        "unlocated_kept": int((out["lsoa11cd"].isna() & np.isnan(out["easting"])).sum()),
        "months": f"{months[0]} to {months[-1]}", "categories": out["category"].value_counts().to_dict(),
    }
    return out
