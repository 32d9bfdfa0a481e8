"""Hot spot benchmark: Gi* (999 permutations) on the Milton Keynes LSOAs and on ~20,000 and
~100,000-cell grids, and the kernel density surface; peak memory.

    .venv/bin/python benchmarks/bench_hotspots.py

Grids are built over the Milton Keynes boundary at the cell size that gives about 20,000 and
100,000 cells, filled with the bundled records of one financial year. Timings are for one
process with the default (single-threaded) NumPy random generator.
"""
from __future__ import annotations

import resource
import time
from pathlib import Path




def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    from safermk_analysis import density, hotspots
    from safermk_analysis.assessment import load_assessment

    a = load_assessment()
    now = a.in_total & a.in_months(a.year)
    x, y = a.records.loc[now, "easting"], a.records.loc[now, "northing"]
    lsoas = a.lsoas.copy()
    lsoas["crimes"] = hotspots.lsoa_counts(a.records, lsoas, mask=now)
    print(f"{a.area.name}, {a.year.label}: {int(now.sum()):,} crimes")
    hotspots.gistar(lsoas, "crimes")  # warm imports and weights code
    t = time.perf_counter()
    r = hotspots.gistar(lsoas, "crimes")
    print(f"Gi* on {len(lsoas)} LSOAs, 999 permutations: {time.perf_counter() - t:.2f} s")
    for target, size in ((20_000, 125), (100_000, 55)):
        grid = hotspots.make_grid(lsoas, size)
        grid["crimes"] = hotspots.count_in_grid(grid, x, y)
        adj = hotspots.grid_neighbours(grid)
        t = time.perf_counter()
        hotspots.folded_permutation_p(grid["crimes"].to_numpy(float), adj, 999, 1)
        base = time.perf_counter() - t
        t = time.perf_counter()
        r = hotspots.gistar(grid, "crimes", weights="grid")
        full = time.perf_counter() - t
        print(f"Gi* on a {len(grid):,}-cell grid ({size} m): {base:.2f} s for 999 permutations; {full:.2f} s for "
              f"gistar() in all (z-scores, FDR and extra permutations for "
              f"{int((r['p_sim'] < 1 / 1000).sum())} cells at the p-value floor)")
    t = time.perf_counter()
    surf = density.kde_surface(x, y, lsoas)
    print(f"KDE surface ({len(surf):,} cells of {surf.attrs['cell_size']:.0f} m, bandwidth "
          f"{surf.attrs['bandwidth']:.0f} m): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    surf = density.kde_surface(x, y, lsoas, cell_size=50)
    print(f"KDE surface at 50 m ({len(surf):,} cells): {time.perf_counter() - t:.2f} s")
    print(f"peak resident memory: {_peak_mb():.0f} MB")



if __name__ == "__main__":
    main()
