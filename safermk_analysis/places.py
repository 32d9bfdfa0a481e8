"""Named priority places: counts, change and hot spot status for each place in the config."""
from __future__ import annotations

from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputDataError
from .hotspots import CLASS_ORDER
from .significance import adjust_pvalues, compare_counts


def place_shapes(places: Iterable, lsoas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Polygons (EPSG:27700) of configured places: buffered points, WKT polygons or dissolved LSOAs."""
    rows = []
    known = set(lsoas["lsoa11cd"].astype(str))
    for p in places:
        if p.lsoas is not None:
            unknown = sorted(set(p.lsoas) - known)
            if unknown:
                raise InputDataError(f"place '{p.name}' lists LSOA(s) not in the area: {unknown}.")
            geom = lsoas[lsoas["lsoa11cd"].isin(p.lsoas)].union_all()
            how = f"{len(p.lsoas)} LSOA(s)"
        elif p.wkt is not None:
            try:
                geom = shapely.from_wkt(p.wkt)
            except shapely.errors.GEOSException as err:
                raise InputDataError(f"place '{p.name}': the WKT polygon cannot be read ({err}).") from None
            how = "polygon"
        else:
            geom = shapely.Point(p.easting, p.northing).buffer(p.radius_m)
            how = f"{p.radius_m:,.0f} m around ({p.easting:,.0f}, {p.northing:,.0f})"
        rows.append({"place": p.name, "defined_as": how, "note": p.note or "", "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=27700) if rows else \
        gpd.GeoDataFrame({"place": [], "defined_as": [], "note": []}, geometry=[], crs=27700)


def place_table(shapes: gpd.GeoDataFrame, records: pd.DataFrame, now: np.ndarray, before: np.ndarray,
                hotspot_cells: gpd.GeoDataFrame | None = None, *, confidence: float = 0.95) -> pd.DataFrame:
    """Per place: records in the period and the year before, % change, the shared Poisson test
    (Benjamini-Hochberg over the places) and the strongest Gi* class among grid cells it touches."""
    if shapes.empty:
        return pd.DataFrame(columns=["place", "before", "after", "pct_change", "change", "hot_spot", "defined_as"])
    xy = records[["easting", "northing"]].to_numpy()
    ok = ~np.isnan(xy).any(axis=1)
    rows = []
    for shape in shapes.itertuples():
        geom = shape.geometry
        shapely.prepare(geom)
        inside = np.zeros(len(records), dtype=bool)
        inside[ok] = shapely.contains_xy(geom, xy[ok, 0], xy[ok, 1])
        a, b = int((inside & now).sum()), int((inside & before).sum())
        hot = "–"
        if hotspot_cells is not None:
            touched = hotspot_cells[hotspot_cells.intersects(geom)]["hotspot_class"].astype(str)
            ranked = [c for c in CLASS_ORDER if c in set(touched) and c != "Not significant"]
            hot = (ranked[0] if ranked[0].startswith("Hot") else ranked[-1]) if ranked else "Not significant"
        rows.append({"place": shape.place, "before": b, "after": a, "hot_spot": hot, "defined_as": shape.defined_as})
    out = pd.DataFrame(rows)
    tests = compare_counts(out["after"], out["before"], confidence=confidence, margin_pct=None)
    p = adjust_pvalues(tests["p_value"].to_numpy(), "fdr_bh")
    alpha = 1 - confidence
    out["pct_change"] = np.where(out["before"] > 0, ((out["after"] - out["before"]) / out["before"] * 100).round(2), np.nan)
    out["change"] = np.where(np.isnan(p), "no records", np.where(p < alpha, np.where(tests["rate_ratio"] > 1,
                             "significant increase", "significant decrease"), "no significant change"))
    return out[["place", "before", "after", "pct_change", "change", "hot_spot", "defined_as"]]
