"""Full-batch benchmark: wall time per notebook and in total, kernel start-up overhead, peak memory.

    .venv/bin/python benchmarks/bench_batch.py

Runs the whole assessment on the bundled data into a temporary folder (a warm Parquet cache is
used, as on any second run), then a one-cell notebook to measure what starting a kernel costs.
"""
from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    import nbformat
    import papermill as pm

    from safermk_analysis import report

    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        result = report.run_assessment(None, "latest", out, log=lambda s: None)
        total = time.perf_counter() - t
        for s in result.sections:
            print(f"{s.notebook:28s} {s.seconds:6.1f} s {'ok' if s.ok else 'FAILED: ' + str(s.error)}")
        print(f"{'whole assessment':28s} {total:6.1f} s ({len(result.sections)} notebooks, index and HTML included)")
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
        src = Path(out) / "empty.ipynb"
        nbformat.write(nb, src)
        t = time.perf_counter()
        pm.execute_notebook(str(src), str(Path(out) / "empty-out.ipynb"), progress_bar=False, log_output=False)
        print(f"{'kernel start-up overhead':28s} {time.perf_counter() - t:6.1f} s per notebook (a one-cell notebook)")
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {kids:.0f} MB in the largest kernel, {me:.0f} MB in the runner")


if __name__ == "__main__":
    main()
