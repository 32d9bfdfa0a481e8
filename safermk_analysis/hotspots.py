"""Hot spots: Getis-Ord Gi* on LSOAs or a regular grid, two-period change by LSOA, emerging hot spots.

All distances are metres on EPSG:27700. Every automatic choice (weights, neighbours, cell size,
permutations, seed, correction) is returned in ``.attrs["choices"]``.

Gi* (Getis and Ord 1992; Ord and Getis 1995) with binary weights and the location itself
included. ``gi_z`` is the analytical z-score (esda ``G_Local(star=True)``'s ``Zs``, the textbook
formula, as R spdep's ``localG``). Inference is by conditional randomisation: each location keeps
its own value and its neighbours' values are redrawn, without replacement, from all other
locations; the pseudo p-value is two-sided, *folded* about the expected sum (|simulated - mean| >=
|observed - mean|), and the p-values are corrected for the number of locations with the
Benjamini-Hochberg false discovery rate by default. The randomisation is vectorised here (esda's
implementation keeps every simulation in memory, which does not fit 100,000 grid cells).
"""
from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from .errors import EmptySelectionError, InputDataError
from .significance import adjust_pvalues, compare_counts

HOT_COLD_LEVELS = (0.99, 0.95, 0.90)
CLASS_ORDER = ["Hot spot 99%", "Hot spot 95%", "Hot spot 90%", "Not significant",
               "Cold spot 90%", "Cold spot 95%", "Cold spot 99%"]
CLASS_COLOURS = {"Hot spot 99%": "#b2182b", "Hot spot 95%": "#ef8a62", "Hot spot 90%": "#fddbc7",
                 "Not significant": "#f0f0f0", "Cold spot 90%": "#d1e5f0", "Cold spot 95%": "#67a9cf",
                 "Cold spot 99%": "#2166ac"}
DEFAULT_SEED = 20240401


# ----------------------------------------------------------------------------- neighbours
def queen_neighbours(gdf: gpd.GeoDataFrame) -> sparse.csr_matrix:
    """Binary queen-contiguity adjacency (no self-links) of polygons, as a CSR matrix."""
    from libpysal.weights import Queen
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = Queen.from_dataframe(gdf.reset_index(drop=True), use_index=False, silence_warnings=True)
    a = w.sparse.tocsr().astype(float)
    a.data[:] = 1.0
    a.setdiag(0)
    a.eliminate_zeros()
    return a


def grid_neighbours(grid: gpd.GeoDataFrame) -> sparse.csr_matrix:
    """Queen adjacency of grid cells (the 8 surrounding cells that exist), from their row/col."""
    rows, cols = grid["row"].to_numpy(np.int64), grid["col"].to_numpy(np.int64)
    width = int(cols.max()) + 3
    code = (rows + 1) * width + (cols + 1)
    order = np.argsort(code)
    sorted_code = code[order]
    src, dst = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == dc == 0:
                continue
            target = code + dr * width + dc
            pos = np.searchsorted(sorted_code, target)
            pos = np.minimum(pos, len(code) - 1)
            hit = sorted_code[pos] == target
            src.append(np.flatnonzero(hit))
            dst.append(order[pos[hit]])
    src, dst = np.concatenate(src), np.concatenate(dst)
    return sparse.csr_matrix((np.ones(len(src)), (src, dst)), shape=(len(code), len(code)))


# ----------------------------------------------------------------------------- the statistic
def gi_star_z(y: np.ndarray, adj: sparse.csr_matrix) -> np.ndarray:
    """Analytical Gi* z-scores with binary weights, self included (Ord and Getis 1995, eq. 14)."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    w = (adj + sparse.identity(n, format="csr")).tocsr()
    w.data[:] = 1.0
    wsum = np.asarray(w.sum(axis=1)).ravel()
    ybar = y.mean()
    s = np.sqrt((y ** 2).mean() - ybar ** 2)
    local = w @ y
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (local - ybar * wsum) / (s * np.sqrt((n * wsum - wsum ** 2) / (n - 1)))
    return z


def _draw_distinct(rng: np.random.Generator, shape: tuple[int, int], k: int, high: int) -> np.ndarray:
    """Integers in [0, high), k distinct per (row, permutation): shape + (k,)."""
    if k == 0:
        return np.zeros(shape + (0,), dtype=np.int64)
    if high <= 4 * k * k:  # small populations: exact sampling without replacement by ranking
        keys = rng.random(shape + (high,))
        return np.argpartition(keys, k - 1, axis=-1)[..., :k] if k < high else np.argsort(keys, axis=-1)
    idx = rng.integers(0, high, size=shape + (k,))
    while True:  # redraw the rare draws that repeat an index
        dup = np.zeros(shape, dtype=bool)
        for a in range(k):
            for b in range(a + 1, k):
                dup |= idx[..., a] == idx[..., b]
        if not dup.any():
            return idx
        idx[dup] = rng.integers(0, high, size=(int(dup.sum()), k))


def folded_permutation_p(y: np.ndarray, adj: sparse.csr_matrix, permutations: int = 999,
                         seed: int = DEFAULT_SEED, chunk_elements: int = 8_000_000) -> np.ndarray:
    """Two-sided folded pseudo p-values of Gi* by conditional randomisation (see module notes)."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    adj = adj.tocsr()
    k = np.diff(adj.indptr)
    obs = adj @ y                                       # neighbours' sum; the own value cancels out
    mu = k * (y.sum() - y) / max(n - 1, 1)              # its expectation under randomisation
    dev = np.abs(obs - mu) * (1 - 1e-12)                # tolerate rounding when deviations tie
    count = np.zeros(n)
    rng = np.random.default_rng(seed)
    kmax = max(int(k.max(initial=1)), 1)
    width = kmax if n - 1 > 4 * kmax ** 2 else n - 1   # the small-population sampler ranks every value
    step = max(1, chunk_elements // max(permutations * width, 1))
    start = 0
    while start < n:
        size = min(step, n - start)
        rows = np.arange(start, start + size)
        km = int(k[rows].max(initial=0))
        if km > 0:
            idx = _draw_distinct(rng, (size, permutations), km, n - 1)
            idx = idx + (idx >= rows[:, None, None])   # skip the location itself
            take = np.arange(km)[None, :] < k[rows][:, None]
            sims = (y[idx] * take[:, None, :]).sum(axis=-1)
            count[rows] = (np.abs(sims - mu[rows, None]) >= dev[rows, None]).sum(axis=1)
        else:
            count[rows] = permutations  # no neighbours: nothing to test
        start += size
    return (count + 1) / (permutations + 1)


def classify(z: np.ndarray, p: np.ndarray, levels=HOT_COLD_LEVELS) -> np.ndarray:
    """'Hot spot 99%' ... 'Cold spot 99%' or 'Not significant' from z-score sign and p-value."""
    out = np.full(len(z), "Not significant", dtype=object)
    for conf in sorted(levels):  # 90 first, then overwrite with 95, 99
        sig = p <= (1 - conf) + 1e-12
        out[sig & (z > 0)] = f"Hot spot {conf:.0%}"
        out[sig & (z < 0)] = f"Cold spot {conf:.0%}"
    return out


def gistar(gdf: gpd.GeoDataFrame, column: str, *, weights="queen", permutations: int = 999,
           seed: int = DEFAULT_SEED, fdr: bool = True) -> gpd.GeoDataFrame:
    """Getis-Ord Gi* hot and cold spots of ``gdf[column]`` (counts), one row per area.

    ``weights``: ``"queen"`` (contiguity of polygons), ``"grid"`` (the 8 surrounding cells of a
    :func:`make_grid` grid) or a scipy sparse / libpysal ``W`` adjacency. Returns a copy with
    ``gi_z`` (analytical z-score), ``p_sim`` (two-sided folded permutation p-value), ``p_fdr``
    (Benjamini-Hochberg; equal to ``p_sim`` when ``fdr=False``) and ``hotspot_class`` (hot/cold
    at 99/95/90 % confidence); the choices made are in ``.attrs["choices"]``.
    """
    if column not in gdf:
        raise InputDataError(f"column '{column}' is not in the data; columns are {list(gdf.columns)}.")
    y = gdf[column].to_numpy(dtype=float)
    if len(y) < 3:
        raise EmptySelectionError(f"Gi* needs at least 3 areas; got {len(y)}.")
    if np.isnan(y).any() or (y < 0).any():
        raise InputDataError(f"'{column}' must be non-negative counts with no missing values.")
    if y.sum() == 0:
        raise EmptySelectionError(f"'{column}' is zero everywhere: there is nothing to find hot spots in.")
    if isinstance(weights, str):
        if weights == "queen":
            adj, wdesc = queen_neighbours(gdf), "queen contiguity, binary weights, the area itself included (Gi*)"
        elif weights == "grid":
            adj, wdesc = grid_neighbours(gdf), "the 8 surrounding grid cells, binary weights, the cell itself included (Gi*)"
        else:
            raise InputDataError(f"weights must be 'queen', 'grid' or an adjacency matrix, not {weights!r}.")
    else:
        adj = weights.sparse if hasattr(weights, "sparse") else sparse.csr_matrix(weights)
        adj = adj.tocsr().astype(float)
        adj.setdiag(0)
        adj.eliminate_zeros()
        adj.data[:] = 1.0
        wdesc = "user-supplied adjacency, binary weights, the area itself included (Gi*)"
    k = np.diff(adj.indptr)
    z = gi_star_z(y, adj)
    p = folded_permutation_p(y, adj, permutations, seed)
    islands = int((k == 0).sum())
    z[k == 0] = 0.0
    p[k == 0] = 1.0
    p_adj = adjust_pvalues(p, "fdr_bh") if fdr else p.copy()
    out = gdf.copy()
    out["gi_z"] = z
    out["p_sim"] = p
    out["p_fdr"] = p_adj
    out["hotspot_class"] = pd.Categorical(classify(z, p_adj), categories=CLASS_ORDER)
    out.attrs["choices"] = {
        "statistic": "Getis-Ord Gi* (analytical z-score, as esda G_Local(star=True) and R spdep localG)",
        "weights": wdesc,
        "neighbours": f"{k.min()} to {k.max()} per area (mean {k.mean():.1f}); {islands} area(s) with none",
        "permutations": f"{permutations} conditional randomisations, seed {seed}",
        "p_value": "two-sided pseudo p-value, folded about the expected neighbourhood sum",
        "correction": (f"Benjamini-Hochberg false discovery rate over {len(y)} areas" if fdr
                       else "none (each area read on its own)"),
        "classes": "hot or cold spot at 99%, 95% or 90% confidence by the sign of z and the corrected p-value",
        "areas": str(len(y)),
    }
    return out


# ----------------------------------------------------------------------------- grids
def auto_cell_size(area: gpd.GeoDataFrame | shapely.Geometry, cells_across: int = 50, multiple: float = 50.0) -> float:
    """About ``cells_across`` cells across the shorter side of the area's bounding box, rounded to 50 m."""
    geom = area.union_all() if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)) else area
    minx, miny, maxx, maxy = geom.bounds
    raw = min(maxx - minx, maxy - miny) / cells_across
    return float(max(multiple, round(raw / multiple) * multiple))


def make_grid(area: gpd.GeoDataFrame, cell_size: float | None = None) -> gpd.GeoDataFrame:
    """Square cells (``cell_size`` metres; automatic if None) covering the area, clipped to its boundary.

    Cells that do not touch the area are left out; kept cells carry ``row``, ``col`` and the
    clipped geometry. ``.attrs["choices"]`` records the cell size and how it was chosen.
    """
    if area.crs is None or area.crs.to_epsg() != 27700:
        raise InputDataError("the area must be in EPSG:27700 (British National Grid, metres).")
    auto = cell_size is None
    size = auto_cell_size(area) if auto else float(cell_size)
    if size <= 0:
        raise InputDataError(f"cell_size must be positive metres, not {cell_size}.")
    boundary = area.union_all()
    minx, miny, maxx, maxy = boundary.bounds
    x0, y0 = np.floor(minx / size) * size, np.floor(miny / size) * size
    ncol, nrow = int(np.ceil((maxx - x0) / size)), int(np.ceil((maxy - y0) / size))
    cc, rr = np.meshgrid(np.arange(ncol), np.arange(nrow))
    cc, rr = cc.ravel(), rr.ravel()
    boxes = shapely.box(x0 + cc * size, y0 + rr * size, x0 + (cc + 1) * size, y0 + (rr + 1) * size)
    shapely.prepare(boundary)
    keep = shapely.intersects(boundary, boxes)
    clipped = shapely.intersection(boxes[keep], boundary)
    grid = gpd.GeoDataFrame({"cell_id": np.arange(int(keep.sum())), "row": rr[keep], "col": cc[keep]},
                            geometry=clipped, crs=27700)
    grid.attrs["choices"] = {
        "cell_size": f"{size:,.0f} m" + (" (automatic: about 50 cells across the shorter side of the area, "
                                          "rounded to a multiple of 50 m)" if auto else " (given)"),
        "cells": f"{len(grid):,} cells touching the area, clipped to its boundary",
        "origin": f"({x0:,.0f}, {y0:,.0f}) on the British National Grid",
    }
    grid.attrs["cell_size"] = size
    grid.attrs["origin"] = (x0, y0)
    return grid


def count_in_grid(grid: gpd.GeoDataFrame, easting, northing) -> np.ndarray:
    """Records per cell from their coordinates (records outside every cell are not counted)."""
    size = grid.attrs["cell_size"]
    x0, y0 = grid.attrs["origin"]
    e, n = np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
    ok = ~np.isnan(e) & ~np.isnan(n)
    col = np.floor((e[ok] - x0) / size).astype(np.int64)
    row = np.floor((n[ok] - y0) / size).astype(np.int64)
    key = pd.Series(0, index=pd.MultiIndex.from_arrays([row, col])).groupby(level=[0, 1]).size()
    idx = pd.MultiIndex.from_arrays([grid["row"].to_numpy(), grid["col"].to_numpy()])
    return key.reindex(idx, fill_value=0).to_numpy()


def lsoa_counts(records: pd.DataFrame, lsoas: gpd.GeoDataFrame, months=None, mask=None) -> np.ndarray:
    """Records per LSOA (in ``lsoas`` order), optionally for some months or a boolean row mask."""
    sel = np.ones(len(records), dtype=bool) if mask is None else np.asarray(mask)
    if months is not None:
        sel &= records["month"].isin(list(months)).to_numpy()
    counts = records.loc[sel, "lsoa11cd"].astype(str).value_counts()
    return counts.reindex(lsoas["lsoa11cd"].astype(str)).fillna(0).astype(int).to_numpy()


# ----------------------------------------------------------------------------- change between periods
def lsoa_change(lsoas: gpd.GeoDataFrame, before: np.ndarray, after: np.ndarray, *, confidence: float = 0.95,
                method: str = "exact-cond", fdr: bool = True) -> gpd.GeoDataFrame:
    """Per LSOA: the shared two-period Poisson test, Benjamini-Hochberg corrected, as a change class."""
    before, after = np.asarray(before), np.asarray(after)
    tests = compare_counts(after, before, method=method, confidence=confidence, margin_pct=None)
    p_adj = adjust_pvalues(tests["p_value"].to_numpy(), "fdr_bh") if fdr else tests["p_value"].to_numpy()
    ratio = tests["rate_ratio"].to_numpy()
    alpha = 1 - confidence
    cls = np.where((p_adj < alpha) & (ratio > 1), "Significant increase",
                   np.where((p_adj < alpha) & (ratio < 1), "Significant decrease", "No significant change"))
    out = lsoas.copy()
    out["before"], out["after"] = before, after
    out["change"] = after - before
    out["rate_ratio"], out["p_value"], out["p_fdr"] = ratio, tests["p_value"].to_numpy(), p_adj
    out["change_class"] = pd.Categorical(cls, categories=["Significant increase", "No significant change",
                                                          "Significant decrease"])
    out.attrs["choices"] = {
        "test": f"two-sample Poisson rate test per LSOA ({method}), the same test as the period table",
        "correction": ("Benjamini-Hochberg false discovery rate over " f"{len(out)} LSOAs" if fdr else "none"),
        "confidence": f"{confidence:.0%}",
    }
    return out
