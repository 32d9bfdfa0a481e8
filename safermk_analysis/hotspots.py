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
    """Integers in [0, high), k distinct per (row, permutation), slot-major: shape (k,) + shape."""
    if high <= 3 * k:  # tiny populations: exact sampling without replacement by ranking
        keys = rng.random(shape + (high,), dtype=np.float32)
        part = np.argpartition(keys, k - 1, axis=-1)[..., :k] if k < high else np.argsort(keys, axis=-1)
        return np.ascontiguousarray(np.moveaxis(part.astype(np.int32), -1, 0))
    idx = rng.integers(0, high, size=(k,) + shape, dtype=np.int32)
    while True:  # redraw the rare draws that repeat an index (sampling stays without replacement)
        dup = np.zeros(shape, dtype=bool)
        for a in range(k):
            for b in range(a + 1, k):
                dup |= idx[a] == idx[b]
        if not dup.any():
            return idx
        where = np.nonzero(dup)
        for a in range(k):
            idx[a][where] = rng.integers(0, high, size=len(where[0]), dtype=np.int32)


def _exceedances(yv, rows, kk, permutations, mu, dev, rng, n, chunk_elements) -> np.ndarray:
    """For each row, how many of ``permutations`` random neighbourhoods deviate at least as much."""
    out = np.empty(len(rows))
    width = kk if n - 1 > 3 * kk else n - 1              # the tiny-population sampler ranks every value
    step = max(1, chunk_elements // max(permutations * width, 1))
    for start in range(0, len(rows), step):
        r = rows[start:start + step]
        idx = _draw_distinct(rng, (len(r), permutations), int(kk), n - 1)
        idx += idx >= r[None, :, None]                   # skip the location itself
        sims = yv[idx[0]].astype(np.float64)
        for a in range(1, int(kk)):
            sims += yv[idx[a]]
        out[start:start + len(r)] = (np.abs(sims - mu[r, None]) >= dev[r, None]).sum(axis=1)
    return out


def folded_permutation_p(y: np.ndarray, adj: sparse.csr_matrix, permutations: int = 999,
                         seed: int = DEFAULT_SEED, top_up: int = 0,
                         chunk_elements: int = 8_000_000, return_side: bool = False):
    """Two-sided folded pseudo p-values of Gi* by conditional randomisation (see module notes).

    Locations are processed in groups with the same number of neighbours and in chunks of about
    ``chunk_elements`` draws, so memory stays bounded. With ``top_up`` > 0, locations whose
    p-value sits at the floor 1/(permutations+1) get ``top_up`` further permutations, so that a
    false discovery rate correction over many locations can still reach them. Returns the
    p-values and the number of permutations each location had (and, with ``return_side``, the
    sign of the neighbours' sum minus its expectation: the direction the test looked at).
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    adj = adj.tocsr()
    k = np.diff(adj.indptr)
    obs = adj @ y                                       # neighbours' sum; the own value cancels out
    mu = k * (y.sum() - y) / max(n - 1, 1)              # its expectation under randomisation
    dev = np.abs(obs - mu) * (1 - 1e-12)                # tolerate rounding when deviations tie
    yv = y.astype(np.float32) if (np.all(y == np.round(y)) and y.max(initial=0) < 2 ** 20) else y
    count = np.full(n, float(permutations))             # no neighbours: nothing to test, p = 1
    done = np.full(n, permutations)
    rng = np.random.default_rng(seed)
    for kk in np.unique(k[k > 0]):
        rows = np.flatnonzero(k == kk)
        count[rows] = _exceedances(yv, rows, kk, permutations, mu, dev, rng, n, chunk_elements)
    if top_up:
        floor = np.flatnonzero((count == 0) & (k > 0))
        for kk in np.unique(k[floor]):
            rows = floor[k[floor] == kk]
            count[rows] += _exceedances(yv, rows, kk, top_up, mu, dev, rng, n, chunk_elements)
            done[rows] += top_up
    p = (count + 1) / (done + 1)
    return (p, done, np.sign(obs - mu)) if return_side else (p, done)


TOP_UP_TOTAL = 99_999


def _adjacency(gdf: gpd.GeoDataFrame, weights) -> tuple[sparse.csr_matrix, str]:
    """Binary adjacency without self-links from 'queen', 'grid', a libpysal W or a sparse matrix."""
    if isinstance(weights, str):
        if weights == "queen":
            return queen_neighbours(gdf), "queen contiguity, binary weights, the area itself included (Gi*)"
        if weights == "grid":
            return grid_neighbours(gdf), "the 8 surrounding grid cells, binary weights, the cell itself included (Gi*)"
        raise InputDataError(f"weights must be 'queen', 'grid' or an adjacency matrix, not {weights!r}.")
    adj = weights.sparse if hasattr(weights, "sparse") else sparse.csr_matrix(weights)
    adj = adj.tocsr().astype(float)
    adj.setdiag(0)
    adj.eliminate_zeros()
    adj.data[:] = 1.0
    return adj, "user-supplied adjacency, binary weights, the area itself included (Gi*)"


def classify(z: np.ndarray, p: np.ndarray, levels=HOT_COLD_LEVELS, side: np.ndarray | None = None) -> np.ndarray:
    """'Hot spot 99%' ... 'Cold spot 99%' or 'Not significant' from z-score sign and p-value.

    With ``side`` (the sign of the neighbours' deviation, which the permutation test examined), a
    place is hot or cold only when it agrees with the sign of z: a busy place ringed by unusually
    quiet neighbours is not called a hot spot.
    """
    z = np.asarray(z)
    agree_hot = z > 0 if side is None else (z > 0) & (np.asarray(side) > 0)
    agree_cold = z < 0 if side is None else (z < 0) & (np.asarray(side) < 0)
    out = np.full(len(z), "Not significant", dtype=object)
    for conf in sorted(levels):  # 90 first, then overwrite with 95, 99
        sig = p <= (1 - conf) + 1e-12
        out[sig & agree_hot] = f"Hot spot {conf:.0%}"
        out[sig & agree_cold] = f"Cold spot {conf:.0%}"
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
    adj, wdesc = _adjacency(gdf, weights)
    k = np.diff(adj.indptr)
    z = gi_star_z(y, adj)
    # a p-value at its floor 1/(permutations+1) can rarely pass an FDR correction over many areas;
    # those areas get more permutations (99,999 in all) so that a strong cluster can reach 99%
    top_up = TOP_UP_TOTAL - permutations if (fdr and TOP_UP_TOTAL > permutations) else 0
    p, done, side = folded_permutation_p(y, adj, permutations, seed, top_up=top_up, return_side=True)
    islands = int((k == 0).sum())
    z[k == 0] = 0.0
    p[k == 0] = 1.0
    p_adj = adjust_pvalues(p, "fdr_bh") if fdr else p.copy()
    out = gdf.copy()
    out["gi_z"] = z
    out["p_sim"] = p
    out["p_fdr"] = p_adj
    out["hotspot_class"] = pd.Categorical(classify(z, p_adj, side=side), categories=CLASS_ORDER)
    out.attrs["choices"] = {
        "statistic": "Getis-Ord Gi* (analytical z-score, as esda G_Local(star=True) and R spdep localG)",
        "weights": wdesc,
        "neighbours": f"{k.min()} to {k.max()} per area (mean {k.mean():.1f}); {islands} area(s) with none",
        "permutations": f"{permutations} conditional randomisations, seed {seed}"
                        + (f"; {int((done > permutations).sum())} area(s) whose p-value reached the floor "
                           f"1/{permutations + 1} had {int(done.max()):,} in all, so that the FDR correction over "
                           f"{len(y):,} areas can reach them" if (done > permutations).any() else ""),
        "p_value": "two-sided pseudo p-value, folded about the expected neighbourhood sum",
        "correction": (f"Benjamini-Hochberg false discovery rate over {len(y)} areas" if fdr
                       else "none (each area read on its own)"),
        "classes": "hot or cold spot at 99%, 95% or 90% confidence by the corrected p-value, when the sign of z "
                   "and the direction of the neighbours' deviation agree",
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
    solid = shapely.area(clipped) > 0  # cells that only touch the boundary are not cells
    keep[np.flatnonzero(keep)[~solid]] = False
    clipped = clipped[solid]
    clipped = np.array([g if g.geom_type in ("Polygon", "MultiPolygon") else
                        shapely.union_all([x for x in getattr(g, "geoms", []) if x.geom_type in ("Polygon", "MultiPolygon")])
                        for g in clipped], dtype=object)
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
                method: str = "exact-cond", fdr: bool = True, months_before: float = 12,
                months_after: float = 12) -> gpd.GeoDataFrame:
    """Per LSOA: the shared two-period Poisson test, Benjamini-Hochberg corrected, as a change class.

    ``months_before``/``months_after`` are the months of data in each period (the exposure), so a
    period with a missing month is compared as a rate, not as if it were complete.
    """
    before, after = np.asarray(before), np.asarray(after)
    tests = compare_counts(after, before, months_after, months_before, method=method, confidence=confidence,
                           margin_pct=None)
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


# ----------------------------------------------------------------------------- emerging hot spots
EMERGING_ORDER = ["New hot spot", "Consecutive hot spot", "Intensifying hot spot", "Persistent hot spot",
                  "Diminishing hot spot", "Sporadic hot spot", "Oscillating hot spot", "Historical hot spot",
                  "New cold spot", "Consecutive cold spot", "Intensifying cold spot", "Persistent cold spot",
                  "Diminishing cold spot", "Sporadic cold spot", "Oscillating cold spot", "Historical cold spot",
                  "No pattern detected"]


def classify_emerging(hot: np.ndarray, cold: np.ndarray, trend: str, *, share: float = 0.90) -> str:
    """Esri's emerging hot spot categories for one location's series of significant hot/cold slices.

    ``hot``/``cold``: booleans per time slice (oldest first); ``trend``: Mann-Kendall direction of
    the location's Gi* z-scores ('increasing', 'decreasing' or 'no trend'). Rules as documented for
    ArcGIS Emerging Hot Spot Analysis, with 90 % of slices for persistent, intensifying,
    diminishing and historical patterns. Cold categories mirror hot ones ('intensifying' cold
    means the z-scores decrease).
    """
    for kind, this, other, up in (("hot", hot, cold, "increasing"), ("cold", cold, hot, "decreasing")):
        t = len(this)
        n = int(this.sum())
        if n == 0:
            continue
        frac = n / t
        final = bool(this[-1])
        down = "decreasing" if up == "increasing" else "increasing"
        if not final:
            if frac >= share:
                return f"Historical {kind} spot"
            continue
        if n == 1:
            return f"New {kind} spot"
        if frac >= share:
            if trend == up:
                return f"Intensifying {kind} spot"
            if trend == down:
                return f"Diminishing {kind} spot"
            return f"Persistent {kind} spot"
        first = int(np.argmax(this))
        if this[first:].all():
            return f"Consecutive {kind} spot"
        if other.any():
            return f"Oscillating {kind} spot"
        return f"Sporadic {kind} spot"
    return "No pattern detected"


def slice_counts(records: pd.DataFrame, areas: gpd.GeoDataFrame, slices: list, *, mask=None) -> np.ndarray:
    """Counts per area (rows) and time slice (columns); areas are LSOAs (``lsoa11cd``) or grid cells."""
    sel = np.ones(len(records), bool) if mask is None else np.asarray(mask, dtype=bool)
    cols = []
    for sl in slices:
        m = sel & records["month"].isin(list(sl.months)).to_numpy()
        if "row" in areas and "col" in areas:
            cols.append(count_in_grid(areas, records.loc[m, "easting"], records.loc[m, "northing"]))
        else:
            cols.append(lsoa_counts(records, areas, mask=m))
    return np.column_stack(cols)


def emerging_hotspots(areas: gpd.GeoDataFrame, counts: np.ndarray, labels: list[str], *, weights="queen",
                      permutations: int = 999, seed: int = DEFAULT_SEED, confidence: float = 0.90,
                      trend_confidence: float = 0.95) -> gpd.GeoDataFrame:
    """Emerging hot spot analysis of ``counts`` (areas × time slices, oldest first; see :func:`slice_counts`).

    For each slice: Gi* with the Benjamini-Hochberg correction; a slice counts as hot (cold) for an
    area when its corrected p-value is at most 1 - ``confidence`` with a positive (negative) z.
    Then the Mann-Kendall test of each area's z-scores over the slices, and
    :func:`classify_emerging`. Slices with missing months must be left out beforehand
    (:func:`complete_slices`): a gap is not zero crime.
    """
    import pymannkendall as pmk

    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != len(areas):
        raise InputDataError("counts must have one row per area and one column per time slice.")
    if counts.shape[1] < 2:
        raise EmptySelectionError("emerging hot spot analysis needs at least two complete time slices.")
    adj, wdesc = _adjacency(areas, weights)
    n, t = counts.shape
    z = np.zeros((n, t))
    hot = np.zeros((n, t), dtype=bool)
    cold = np.zeros((n, t), dtype=bool)
    alpha = 1 - confidence
    top_up = TOP_UP_TOTAL - permutations if TOP_UP_TOTAL > permutations else 0
    for j in range(t):
        y = counts[:, j]
        if y.sum() == 0:
            continue
        zz = np.nan_to_num(gi_star_z(y, adj))
        p, _, side = folded_permutation_p(y, adj, permutations, seed + j, top_up=top_up, return_side=True)
        p = adjust_pvalues(p, "fdr_bh")
        z[:, j] = zz
        hot[:, j] = (p <= alpha) & (zz > 0) & (side > 0)
        cold[:, j] = (p <= alpha) & (zz < 0) & (side < 0)
    trends = []
    for i in range(n):
        if np.ptp(z[i]) == 0:
            trends.append("no trend")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trends.append(pmk.original_test(z[i], alpha=1 - trend_confidence).trend)
    out = areas.copy()
    out["hot_slices"] = hot.sum(axis=1)
    out["cold_slices"] = cold.sum(axis=1)
    out["z_trend"] = trends
    out["emerging_class"] = pd.Categorical([classify_emerging(hot[i], cold[i], trends[i]) for i in range(n)],
                                           categories=EMERGING_ORDER)
    out.attrs["choices"] = {
        "time_slices": f"{t} slices: {labels[0]} to {labels[-1]}",
        "per_slice": f"Gi* ({wdesc}) with {permutations} permutations (seed {seed} + slice number; "
                     f"{TOP_UP_TOTAL:,} for places at the p-value floor), Benjamini-Hochberg correction, hot or "
                     f"cold at {confidence:.0%} confidence",
        "trend": f"Mann-Kendall test of each area's Gi* z-scores over the slices at {trend_confidence:.0%} confidence",
        "rules": "Esri Emerging Hot Spot Analysis categories; 90% of slices for persistent, intensifying, "
                 "diminishing and historical",
    }
    out.attrs["z_scores"] = z
    return out


def complete_slices(months_present, first, last, *, kind: str = "quarter", year_type: str = "financial"):
    """Quarters (or years) from ``first`` to ``last`` month: the latest run of consecutive slices
    whose months are all present (used), and the rest (left out: months missing, only partly in
    the span, or cut off from the latest run by a gap; never counted as zero)."""
    from .periods import calendar_quarter, financial_quarter, year_period

    have = {str(m) for m in months_present}
    first, last = pd.Period(str(first), freq="M"), pd.Period(str(last), freq="M")
    used, dropped = [], []
    p = first
    while p <= last:
        if kind == "quarter":
            fy = p.year if (year_type == "calendar" or p.month >= 4) else p.year - 1
            qn = ((p.month - (4 if year_type == "financial" else 1)) % 12) // 3 + 1
            sl = financial_quarter(fy, qn) if year_type == "financial" else calendar_quarter(p.year, qn)
        else:
            sl = year_period(p.year if (year_type == "calendar" or p.month >= 4) else p.year - 1, year_type)
        if sl.first >= first and sl.last <= last:
            (dropped if sl.missing(have) else used).append(sl)
        else:
            dropped.append(sl)  # only partly inside the span: not a whole slice of data
        p = sl.last + 1
    # keep the latest run of consecutive complete slices: a gap would make slices either side look adjacent
    run_start = len(used)
    while run_start > 0 and (run_start == len(used) or used[run_start - 1].last + 1 == used[run_start].first):
        run_start -= 1
    dropped = sorted(dropped + used[:run_start], key=lambda sl: sl.first)
    return used[run_start:], dropped


EMERGING_COLOURS = {
    "New hot spot": "#fee0d2", "Consecutive hot spot": "#fcbba1", "Intensifying hot spot": "#a50f15",
    "Persistent hot spot": "#de2d26", "Diminishing hot spot": "#fb6a4a", "Sporadic hot spot": "#fc9272",
    "Oscillating hot spot": "#e7298a", "Historical hot spot": "#bdbdbd",
    "New cold spot": "#deebf7", "Consecutive cold spot": "#c6dbef", "Intensifying cold spot": "#08519c",
    "Persistent cold spot": "#3182bd", "Diminishing cold spot": "#6baed6", "Sporadic cold spot": "#9ecae1",
    "Oscillating cold spot": "#756bb1", "Historical cold spot": "#d9d9d9", "No pattern detected": "#f7f7f7",
}


def where(result: gpd.GeoDataFrame, column: str, values, places: gpd.GeoDataFrame, name_column: str) -> str:
    """'Campbell Park (14), Woughton (6)': how many flagged areas fall in each named place (by centre),
    followed by the places' boundary vintage when they carry one ('(2013 boundaries)')."""
    sel = result[result[column].astype(str).isin(list(values))]
    if sel.empty:
        return ""
    pts = gpd.GeoDataFrame(geometry=sel.geometry.representative_point(), crs=sel.crs)
    joined = gpd.sjoin(pts, places[[name_column, "geometry"]], how="left", predicate="within")
    counts = joined[name_column].fillna("outside the named areas").value_counts()
    text = ", ".join(f"{k} ({v})" for k, v in counts.items())
    vintage = places["vintage"].dropna().astype(str).unique() if "vintage" in places else []
    return text + (f" ({vintage[0]} boundaries)" if len(vintage) == 1 else "")


def findings(grid_result, lsoa_result, change, conc: dict, emerging, places=None, name_column: str = "ward_nm",
             cell_label: str = "grid cells") -> list[str]:
    """Plain-English sentences on the hot spot results for the report's key findings."""
    out = []

    def hot_cold(res):
        cls = res["hotspot_class"].astype(str)
        return int(cls.str.startswith("Hot").sum()), int(cls.str.startswith("Cold").sum())

    h, c = hot_cold(grid_result)
    if h:
        loc = where(grid_result, "hotspot_class", [x for x in CLASS_ORDER if x.startswith("Hot")], places,
                    name_column) if places is not None else ""
        out.append(f"{h} {cell_label} are crime hot spots at 90% confidence or more" + (f", in {loc}" if loc else "")
                   + (f"; {c} are cold spots." if c else "; none is a cold spot."))
    else:
        out.append(f"None of the {len(grid_result):,} {cell_label} is a significant hot spot once all are tested "
                   "together.")
    h, c = hot_cold(lsoa_result)
    out.append(f"At LSOA level, {h} {'LSOA is a hot spot' if h == 1 else 'LSOAs are hot spots'} and {c} "
               f"{'is a cold spot' if c == 1 else 'are cold spots'} after the false discovery rate "
               f"correction over {len(lsoa_result)} LSOAs." if (h or c) else
               f"No LSOA is a significant hot or cold spot once all {len(lsoa_result)} are tested together: "
               "crime is concentrated in a few places rather than in clusters of neighbouring LSOAs.")
    k5 = max(1, int(np.ceil(0.05 * conc["places"])))
    out.append(f"The {k5} LSOAs with most crime (5% of {conc['places']}) recorded {conc['top_5pct_share']:.1%} of it, "
               f"and the top 10% recorded {conc['top_10pct_share']:.1%} (Gini {conc['gini']:.2f}).")
    vc = change["change_class"].astype(str).value_counts()
    n_up = vc.get('Significant increase', 0)
    out.append(f"Compared with the year before, {n_up} {'LSOA shows' if n_up == 1 else 'LSOAs show'} a significant "
               f"increase and {vc.get('Significant decrease', 0)} a significant decrease (false discovery rate "
               "correction); the rest show no significant change.")
    if emerging is not None:
        ev = emerging["emerging_class"].astype(str).value_counts()
        ev = ev[ev.index != "No pattern detected"]
        if len(ev):
            out.append("Over time: " + ", ".join(f"{v} {k.lower()}{'s' if v > 1 else ''}" for k, v in ev.items())
                       + f" ({cell_label}).")
        else:
            out.append(f"None of the {cell_label} shows an emerging, persistent or fading hot spot pattern over the "
                       "time slices.")
    return out
