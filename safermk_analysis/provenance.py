"""Provenance of a report: input files with checksums, months covered, package versions, git commit,
parameters and seed, so that anyone can tell exactly what a published figure rests on."""
from __future__ import annotations

import hashlib
import platform
import subprocess
import zipfile
from importlib import metadata

import pandas as pd

from .config import REPO_ROOT, Config
from .geography import _geo_path
from .ingest import find_police_uk_files
from .periods import month_runs

PACKAGES = ("safermk-analysis", "pandas", "numpy", "pyarrow", "geopandas", "shapely", "pyproj", "scipy",
            "statsmodels", "esda", "libpysal", "mapclassify", "pymannkendall", "folium", "matplotlib",
            "seaborn", "papermill", "nbconvert")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def input_files(config: Config) -> pd.DataFrame:
    """Every input file (police.uk files, then the geography) with its size and SHA-256 checksum."""
    rows = []
    files, _ = find_police_uk_files(config.data.police_uk)
    for f in sorted(files, key=lambda f: f.name):
        if f.member is None:
            data = f.path.read_bytes()
        else:
            with zipfile.ZipFile(f.path) as zf:
                data = zf.read(f.member)
        rows.append({"file": _short(f.name), "kind": "police.uk", "bytes": len(data), "sha256": _sha256(data)})
    geo = _geo_path(config.data.geography)
    for p in sorted(geo.parent.glob("*.parquet")):
        data = p.read_bytes()
        rows.append({"file": _short(str(p)), "kind": "geography", "bytes": len(data), "sha256": _sha256(data)})
    return pd.DataFrame(rows, columns=["file", "kind", "bytes", "sha256"])


def _short(name: str) -> str:
    root = str(REPO_ROOT) + "/"
    return name[len(root):] if name.startswith(root) else name


def git_commit() -> str:
    """The repository's commit (with '+ uncommitted changes' when the tree is dirty), or why unknown."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return "not a git checkout"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head.stdout.strip() + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "git not available"


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def summary(config: Config, quality, parameters: dict) -> pd.DataFrame:
    """One table: what, and its value (months covered, commit, seed, parameters, versions)."""
    months = quality.months_present
    rows = [
        ("Area", f"{config.area.name} ({', '.join(config.area.lad_codes)})"),
        ("Months of police.uk data", f"{len(months)} months, {months[0]} to {months[-1]}"
         + (f"; missing in that span: {month_runs(quality.months_missing)}" if quality.months_missing else "")),
        ("Records read / kept", f"{quality.rows_read:,} / {quality.rows_kept:,}"),
        ("Configuration file", _short(str(config.source_path)) if config.source_path else "(built in code)"),
        ("Parameters", ", ".join(f"{k}={v}" for k, v in parameters.items())),
        ("Random seed (every permutation test)", str(config.seed)),
        ("Code version (git commit)", git_commit()),
        ("Software", ", ".join(f"{k} {v}" for k, v in package_versions().items())),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])
