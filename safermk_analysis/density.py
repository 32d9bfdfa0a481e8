"""Kernel density of records: a quartic-kernel surface on a grid, clipped to the area.

Bandwidth by default follows the rule ArcGIS's Kernel Density tool documents (a spatial
variant of Silverman's rule of thumb, robust to outliers):

    h = 0.9 × min(SD, sqrt(1 / ln 2) × Dm) × n^(-0.2)

where SD is the standard distance of the points, Dm the median distance from their mean centre
and n the number of points. The surface is computed by binning points to the grid and convolving
with the discretised quartic (biweight) kernel K(d) = 3 / (π h²) × (1 - d²/h²)² for d < h, so its
unit is records per km².
"""
from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import shapely
from scipy.signal import fftconvolve

from .errors import EmptySelectionError, InputDataError
from .hotspots import auto_cell_size


def rule_of_thumb_bandwidth(x: np.ndarray, y: np.ndarray) -> float:
    """Spatial Silverman bandwidth in metres (see module notes)."""
    n = len(x)
    if n < 2:
        raise EmptySelectionError("a bandwidth needs at least two points.")
    mx, my = x.mean(), y.mean()
    d = np.hypot(x - mx, y - my)
    sd = np.sqrt(((x - mx) ** 2 + (y - my) ** 2).sum() / n)
    dm = np.median(d)
    return float(0.9 * min(sd, np.sqrt(1 / np.log(2)) * dm) * n ** -0.2)


def kde_surface(easting, northing, area: gpd.GeoDataFrame, *, cell_size: float | None = None,
                bandwidth: float | None = None, top_share: float = 0.05) -> gpd.GeoDataFrame:
    """Quartic kernel density (records per km²) on square cells clipped to ``area``.

    Returns one row per cell whose centre lies in the area, with ``density`` and ``top``
    (True for the top ``top_share`` of cells by density). ``.attrs["choices"]`` records cell size,
    bandwidth and how each was chosen; a warning is added when the bandwidth is smaller than a cell.
    """
    if area.crs is None or area.crs.to_epsg() != 27700:
        raise InputDataError("the area must be in EPSG:27700 (British National Grid, metres).")
    x, y = np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[ok], y[ok]
    if len(x) < (1 if bandwidth is not None else 2):
        raise EmptySelectionError("kernel density needs records with coordinates (two or more to choose a bandwidth).")
    auto_cell, auto_h = cell_size is None, bandwidth is None
    size = auto_cell_size(area, cells_across=100) if auto_cell else float(cell_size)
    h = rule_of_thumb_bandwidth(x, y) if auto_h else float(bandwidth)
    if h <= 0 or size <= 0:
        raise InputDataError("cell size and bandwidth must be positive metres.")
    notes = []
    if h < size:
        notes.append(f"the bandwidth ({h:,.0f} m) is smaller than a cell ({size:,.0f} m): the surface is "
                     "little more than a count per cell; use smaller cells or a larger bandwidth")
        warnings.warn(notes[-1], stacklevel=2)
    boundary = area.union_all()
    minx, miny, maxx, maxy = boundary.bounds
    pad = np.ceil(h / size) * size
    x0, y0 = np.floor((minx - pad) / size) * size, np.floor((miny - pad) / size) * size
    ncol = int(np.ceil((maxx + pad - x0) / size))
    nrow = int(np.ceil((maxy + pad - y0) / size))
    counts, _, _ = np.histogram2d(y, x, bins=[nrow, ncol], range=[[y0, y0 + nrow * size], [x0, x0 + ncol * size]])
    r = int(np.ceil(h / size))
    off = np.arange(-r, r + 1) * size
    dx, dy = np.meshgrid(off, off)
    d2 = (dx ** 2 + dy ** 2) / h ** 2
    kernel = np.where(d2 < 1, 3 / (np.pi * h ** 2) * (1 - d2) ** 2, 0.0)
    kernel *= 1 / (kernel.sum() * size ** 2)   # discretised kernel integrates to one
    dens = fftconvolve(counts, kernel, mode="same") * 1e6  # per km²
    dens[dens < 1e-6] = 0.0  # FFT round-off, not density
    cc, rr = np.meshgrid(np.arange(ncol), np.arange(nrow))
    cx, cy = x0 + (cc.ravel() + 0.5) * size, y0 + (rr.ravel() + 0.5) * size
    shapely.prepare(boundary)
    inside = shapely.contains_xy(boundary, cx, cy)
    cells = shapely.box(cx[inside] - size / 2, cy[inside] - size / 2, cx[inside] + size / 2, cy[inside] + size / 2)
    out = gpd.GeoDataFrame({"density": dens.ravel()[inside]}, geometry=cells, crs=27700)
    # the top share of cells by density, never a cell with no density (a sparse surface has few)
    k_top = int(np.ceil(top_share * len(out)))
    order = np.argsort(-out["density"].to_numpy(), kind="stable")[:k_top]
    top = np.zeros(len(out), dtype=bool)
    top[order] = True
    out["top"] = top & (out["density"].to_numpy() > 0)
    out.attrs["choices"] = {
        "kernel": "quartic (biweight), records per km²",
        "bandwidth": f"{h:,.0f} m" + (" (rule of thumb: 0.9 × min(standard distance, 1.2011 × median distance to "
                                      f"the mean centre) × n^-0.2, n = {len(x):,})" if auto_h else " (given)"),
        "cell_size": f"{size:,.0f} m" + (" (automatic: about 100 cells across the shorter side)" if auto_cell else " (given)"),
        "clipping": "cells whose centre lies inside the area",
        "top_cells": f"the top {top_share:.0%} of cells by density are outlined",
        **({"warning": notes[0]} if notes else {}),
    }
    out.attrs["bandwidth"] = h
    out.attrs["top_share"] = top_share
    out.attrs["cell_size"] = size
    return out
