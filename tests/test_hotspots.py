"""Gi* against the textbook formula, planted clusters, FDR, grids, KDE, change by LSOA, emerging classes."""
from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safermk_analysis import density, hotspots
from safermk_analysis.errors import EmptySelectionError, InputDataError
from safermk_analysis.significance import compare_counts


def _lattice(n: int, size: float = 100.0) -> gpd.GeoDataFrame:
    rr, cc = np.meshgrid(np.arange(n), np.arange(n))
    rr, cc = rr.ravel(), cc.ravel()
    return gpd.GeoDataFrame({"row": rr, "col": cc},
                            geometry=shapely.box(cc * size, rr * size, (cc + 1) * size, (rr + 1) * size), crs=27700)


def test_gi_star_matches_textbook_formula_on_a_hand_lattice():
    g = _lattice(4)  # cells numbered row by row: index = 4 * row + col
    y = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 40], dtype=float)
    z = hotspots.gi_star_z(y, hotspots.grid_neighbours(g))
    n, ybar = 16, y.mean()
    s = np.sqrt((y ** 2).mean() - ybar ** 2)

    def textbook(total, w):  # Ord and Getis (1995): (sum_j w_ij y_j - ybar W) / (s sqrt((n W - W^2) / (n - 1)))
        return (total - ybar * w) / (s * np.sqrt((n * w - w ** 2) / (n - 1)))

    # cell 5 (row 1, col 1): itself and its 8 neighbours 0,1,2,4,6,8,9,10
    assert z[5] == pytest.approx(textbook(1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11, 9))
    # corner cell 15: itself and 10, 11, 14
    assert z[15] == pytest.approx(textbook(40 + 11 + 12 + 15, 4))
    from esda.getisord import G_Local
    from libpysal.weights import lat2W
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = G_Local(y, lat2W(4, 4, rook=False), transform="B", star=True, permutations=0)
    assert np.allclose(z, e.Zs)


def test_planted_cluster_found_uniform_mostly_not():
    g = _lattice(30)
    rng = np.random.default_rng(11)
    y = rng.poisson(3, len(g)).astype(float)
    cluster = (abs(g["row"] - 15) <= 2) & (abs(g["col"] - 15) <= 2)
    y[cluster.to_numpy()] += rng.poisson(8, int(cluster.sum()))
    g["y"] = y
    r = hotspots.gistar(g, "y", weights="grid", seed=3)
    hot = r["hotspot_class"].astype(str).str.startswith("Hot")
    assert hot[cluster].mean() > 0.8
    near = (abs(g["row"] - 15) <= 4) & (abs(g["col"] - 15) <= 4)  # a cluster's neighbours share its Gi*
    assert hot[~near].sum() <= 2
    g["u"] = np.random.default_rng(12).poisson(3, len(g)).astype(float)
    u = hotspots.gistar(g, "u", weights="grid", seed=4)
    assert (u["hotspot_class"].astype(str) != "Not significant").mean() < 0.02
    assert set(r.attrs["choices"]) >= {"weights", "neighbours", "permutations", "p_value", "correction"}
    assert "seed 3" in r.attrs["choices"]["permutations"]


def test_fdr_flags_no_more_than_uncorrected_and_is_recorded():
    g = _lattice(20)
    y = np.random.default_rng(5).poisson(2, len(g)).astype(float)
    y[:30] += 6
    g["y"] = y
    fdr = hotspots.gistar(g, "y", weights="grid")
    raw = hotspots.gistar(g, "y", weights="grid", fdr=False)
    sig = lambda r: (r["hotspot_class"].astype(str) != "Not significant").sum()  # noqa: E731
    assert sig(fdr) <= sig(raw) and (fdr["p_fdr"] >= fdr["p_sim"] - 1e-12).all()
    assert (raw["p_fdr"] == raw["p_sim"]).all()
    assert "Benjamini-Hochberg" in fdr.attrs["choices"]["correction"]
    assert raw["p_sim"].min() >= 1 / 1000 and fdr["p_sim"].min() >= 1 / 100_000  # floor cells get 99,999 in all
    assert "99,999" in fdr.attrs["choices"]["permutations"]


def test_a_small_strong_cluster_reaches_99_percent_after_fdr():
    g = _lattice(45)  # 2,025 cells, like the Milton Keynes grid
    y = np.random.default_rng(21).poisson(1.5, len(g)).astype(float)
    block = ((g["row"].isin([20, 21])) & (g["col"].isin([20, 21]))).to_numpy()
    y[block] = 40
    g["y"] = y
    r = hotspots.gistar(g, "y", weights="grid", seed=2)
    assert (r["hotspot_class"].astype(str) == "Hot spot 99%").sum() >= 4


def test_a_busy_place_ringed_by_quiet_neighbours_is_not_a_hot_spot():
    g = _lattice(20)
    y = np.random.default_rng(4).poisson(5, len(g)).astype(float)
    centre = int(np.flatnonzero(((g["row"] == 10) & (g["col"] == 10)).to_numpy())[0])
    ring = ((abs(g["row"] - 10) <= 1) & (abs(g["col"] - 10) <= 1)).to_numpy()
    y[ring] = 0
    y[centre] = 200
    g["y"] = y
    r = hotspots.gistar(g, "y", weights="grid", fdr=False)
    assert r["gi_z"].iloc[centre] > 0 and r["p_sim"].iloc[centre] <= 0.001  # z up, neighbours significantly low
    assert r["hotspot_class"].iloc[centre] == "Not significant"


def test_folded_p_values_match_a_brute_force_randomisation():
    """An independent, slow route: for each cell, redraw its neighbours one permutation at a time."""
    g = _lattice(6)
    y = np.random.default_rng(9).poisson(4, 36).astype(float)
    y[:5] += 8
    adj = hotspots.grid_neighbours(g)
    p, _ = hotspots.folded_permutation_p(y, adj, 999, seed=1)
    rng = np.random.default_rng(2)
    ref = np.empty(36)
    for i in range(36):
        nb = adj.indices[adj.indptr[i]:adj.indptr[i + 1]]
        others = np.delete(y, i)
        mu = len(nb) * others.mean()
        obs = abs(y[nb].sum() - mu)
        sims = np.array([rng.choice(others, size=len(nb), replace=False).sum() for _ in range(999)])
        ref[i] = ((np.abs(sims - mu) >= obs * (1 - 1e-12)).sum() + 1) / 1000
    se = np.sqrt(2 * ref * (1 - ref) / 999) + 0.002
    assert (np.abs(p - ref) <= 5 * se).all()
    assert np.corrcoef(p, ref)[0, 1] > 0.98


def test_gistar_bad_input():
    g = _lattice(3)
    g["y"] = 0.0
    with pytest.raises(EmptySelectionError, match="zero everywhere"):
        hotspots.gistar(g, "y", weights="grid")
    g["y"] = -1.0
    with pytest.raises(InputDataError, match="non-negative"):
        hotspots.gistar(g, "y", weights="grid")
    with pytest.raises(InputDataError, match="not in the data"):
        hotspots.gistar(g, "nope")


def test_grid_and_kde_respect_the_area_boundary():
    area = gpd.GeoDataFrame(geometry=[shapely.Point(500_000, 200_000).buffer(3000)], crs=27700)
    grid = hotspots.make_grid(area)
    assert grid.attrs["cell_size"] == 100.0  # 6 km / 50 = 120 m -> nearest multiple of 50 m
    boundary = area.union_all()
    assert grid.geometry.within(boundary.buffer(1e-6)).all()
    assert grid.geometry.area.sum() == pytest.approx(boundary.area, rel=1e-6)
    rng = np.random.default_rng(1)
    x = np.r_[rng.normal(500_000, 800, 500), [520_000]]  # one record far outside the area
    y = np.r_[rng.normal(200_000, 800, 500), [200_000]]
    counts = hotspots.count_in_grid(grid, x, y)
    assert counts.sum() == ((x - 500_000) ** 2 + (y - 200_000) ** 2 <= 3000 ** 2).sum()
    surf = density.kde_surface(x, y, area, cell_size=100)
    assert shapely.contains_xy(boundary, surf.geometry.centroid.x, surf.geometry.centroid.y).all()
    total = surf["density"].sum() * (100 * 100) / 1e6  # records per km² × km² per cell
    assert 0.9 * 500 < total <= 501
    assert surf["top"].mean() == pytest.approx(0.05, abs=0.01)
    with pytest.warns(UserWarning, match="smaller than a cell"):
        density.kde_surface(x, y, area, cell_size=500, bandwidth=200)


def test_top_cells_of_a_sparse_surface_are_only_cells_with_density():
    area = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 20_000, 20_000)], crs=27700)
    s = density.kde_surface([5_000, 12_000, 15_000], [5_000, 9_000, 15_000], area, cell_size=100, bandwidth=300)
    assert 0 < s["top"].sum() <= (s["density"] > 0).sum() < 0.05 * len(s)
    one = density.kde_surface([10_050], [10_050], area, cell_size=100, bandwidth=500)
    peak = one.loc[one["density"].idxmax(), "geometry"]
    assert peak.contains(shapely.Point(10_050, 10_050))  # no transposition or half-cell shift
    assert one["density"].sum() * 0.01 == pytest.approx(1.0, rel=1e-6)  # one record in all (0.01 km² cells)


def test_rule_of_thumb_bandwidth():
    rng = np.random.default_rng(2)
    x, y = rng.normal(0, 1000, 2000), rng.normal(0, 1000, 2000)
    h = density.rule_of_thumb_bandwidth(x, y)
    sd = np.sqrt(((x - x.mean()) ** 2 + (y - y.mean()) ** 2).mean())
    dm = np.median(np.hypot(x - x.mean(), y - y.mean()))
    assert h == pytest.approx(0.9 * min(sd, np.sqrt(1 / np.log(2)) * dm) * 2000 ** -0.2)


def test_lsoa_change_uses_the_shared_test():
    g = _lattice(4)
    before = np.array([10, 50, 100, 0] * 4)
    after = np.array([30, 50, 60, 0] * 4)
    r = hotspots.lsoa_change(g, before, after)
    assert np.allclose(r["p_value"].fillna(-1), compare_counts(after, before)["p_value"].fillna(-1))
    assert r["change_class"].astype(str).tolist()[:4] == ["Significant increase", "No significant change",
                                                           "Significant decrease", "No significant change"]


@pytest.mark.parametrize("hot,cold,trend,expected", [
    ([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], [0] * 10, "increasing", "New hot spot"),
    ([0, 0, 0, 0, 0, 0, 0, 1, 1, 1], [0] * 10, "increasing", "Consecutive hot spot"),
    ([1] * 10, [0] * 10, "increasing", "Intensifying hot spot"),
    ([1] * 10, [0] * 10, "no trend", "Persistent hot spot"),
    ([0] + [1] * 9, [0] * 10, "decreasing", "Diminishing hot spot"),
    ([1, 0, 1, 0, 0, 1, 0, 0, 1, 1], [0] * 10, "no trend", "Sporadic hot spot"),
    ([0, 0, 0, 0, 0, 1, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], "no trend", "Oscillating hot spot"),
    ([1] * 9 + [0], [0] * 10, "no trend", "Historical hot spot"),
    ([0] * 10, [0] * 9 + [1], "decreasing", "New cold spot"),
    ([0] * 10, [1] * 10, "decreasing", "Intensifying cold spot"),
    ([0] * 10, [1] * 10, "increasing", "Diminishing cold spot"),
    ([0] * 10, [1] * 9 + [0], "no trend", "Historical cold spot"),
    ([0, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0] * 10, "no trend", "No pattern detected"),
])
def test_each_emerging_class(hot, cold, trend, expected):
    assert hotspots.classify_emerging(np.array(hot, bool), np.array(cold, bool), trend) == expected


def test_emerging_hotspots_on_a_growing_cluster():
    g = _lattice(15)
    rng = np.random.default_rng(3)
    centre = ((abs(g["row"] - 7) <= 1) & (abs(g["col"] - 7) <= 1)).to_numpy()
    counts = np.column_stack([rng.poisson(3, len(g)) + centre * rng.poisson(2 + 3 * t, len(g)) for t in range(8)])
    r = hotspots.emerging_hotspots(g, counts, [f"Q{t}" for t in range(8)], weights="grid", seed=1)
    classes = r.loc[centre, "emerging_class"].astype(str)
    assert classes.isin(["Intensifying hot spot", "Persistent hot spot", "Consecutive hot spot"]).mean() >= 0.7
    assert (r.loc[~centre, "emerging_class"].astype(str) == "No pattern detected").mean() > 0.9
    with pytest.raises(EmptySelectionError):
        hotspots.emerging_hotspots(g, counts[:, :1], ["Q0"], weights="grid")


def test_complete_slices_leave_out_quarters_with_missing_months():
    months = [str(m) for m in pd.period_range("2023-02", "2025-03", freq="M") if str(m) != "2024-08"]
    used, dropped = hotspots.complete_slices(months, "2023-01", "2025-03")
    labels = [s.label for s in used]
    left = [s.label for s in dropped]
    # Q2 2024/25 misses August; a gap would make Q1 and Q3 look adjacent, so only the latest run is used
    assert labels == ["Q3 2024/25", "Q4 2024/25"]
    assert {"Q2 2024/25", "Q1 2023/24", "Q4 2022/23"} <= set(left)
    full = [str(m) for m in pd.period_range("2023-01", "2025-03", freq="M")]
    used_all, _ = hotspots.complete_slices(full, "2023-01", "2025-03")
    assert [s.label for s in used_all][0] == "Q4 2022/23" and len(used_all) == 9
