"""Ingest benchmark: rows/s cold and cached, cached load of one MK year, peak memory.

    .venv/bin/python benchmarks/bench_ingest.py [--source DIR] [--repeat 3]

Uses every Thames Valley month in ../shared/data/police_uk when present (about 542,000
rows), else the bundled Milton Keynes files. "Cold" means no Parquet cache (files parsed and
validated from scratch) in a warm process; "one core" pins Arrow's thread pools to 1 thread.
Peak memory is the maximum resident set size of a fresh process doing one cold ingest.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "police_uk"
BUNDLED = ROOT / "data" / "police_uk" / "thames-valley-milton-keynes"


def _status_mb(field: str) -> float:
    """VmRSS / VmHWM of this process from /proc (Linux), in MB; ru_maxrss would include the parent's pages."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(source: str, threads: int) -> None:
    import pyarrow as pa
    if threads:
        pa.set_cpu_count(threads)
        pa.set_io_thread_count(threads)
    from safermk_analysis.ingest import load_police_uk
    base = _status_mb("VmRSS")
    t = time.perf_counter()
    df = load_police_uk(source, cache=False)
    secs = time.perf_counter() - t
    peak = _status_mb("VmHWM")
    print(json.dumps({"rows": int(df.attrs["quality"].rows_read), "seconds": secs,
                      "baseline_mb": base, "peak_mb": peak}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", default=str(SHARED if SHARED.is_dir() else BUNDLED))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    import pyarrow as pa
    from safermk_analysis.ingest import load_police_uk
    from safermk_analysis.periods import financial_year

    print(f"source: {args.source}")
    load_police_uk(args.source, cache=False)  # warm imports and the lookup index
    for label, threads in (("one core", 1), ("all cores", 0)):
        if threads:
            pa.set_cpu_count(1)
            pa.set_io_thread_count(1)
        else:
            pa.set_cpu_count(os.cpu_count())
            pa.set_io_thread_count(os.cpu_count())
        best = None
        for _ in range(args.repeat):
            t = time.perf_counter()
            df = load_police_uk(args.source, cache=False)
            secs = time.perf_counter() - t
            best = secs if best is None else min(best, secs)
        rows = df.attrs["quality"].rows_read
        print(f"cold ingest ({label}): {rows:,} rows in {best:.2f} s = {rows / best:,.0f} rows/s (best of {args.repeat})")

    with tempfile.TemporaryDirectory() as cache:
        fy = financial_year(2024)
        months = (str(fy.first), str(fy.last))
        t = time.perf_counter()
        load_police_uk(args.source, area="E06000042", months=months, cache_dir=cache)
        first = time.perf_counter() - t
        best = None
        for _ in range(args.repeat):
            t = time.perf_counter()
            df = load_police_uk(args.source, area="E06000042", months=months, cache_dir=cache)
            secs = time.perf_counter() - t
            best = secs if best is None else min(best, secs)
        assert df.attrs["quality"].from_cache
        print(f"Milton Keynes FY {fy.label}: {len(df):,} records; first load {first:.2f} s, "
              f"cached load {best:.3f} s")
        t = time.perf_counter()
        df = load_police_uk(args.source, cache_dir=cache)
        load_police_uk(args.source, cache_dir=cache)
        t = time.perf_counter()
        df = load_police_uk(args.source, cache_dir=cache)
        secs = time.perf_counter() - t
        rows = df.attrs["quality"].rows_read
        print(f"cached ingest (all rows): {rows:,} rows in {secs:.2f} s = {rows / secs:,.0f} rows/s")

    out = subprocess.run([sys.executable, __file__, "--child", args.source, "1"], capture_output=True, text=True,
                         check=True)
    m = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"peak memory, one cold ingest in a fresh process: {m['peak_mb']:.0f} MB resident "
          f"(Python and libraries before loading: {m['baseline_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
