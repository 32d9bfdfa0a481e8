"""The provenance annex: checksums that match the files, versions, commit, parameters."""
from __future__ import annotations

import hashlib

from safermk_analysis import provenance
from safermk_analysis.config import load_config
from safermk_analysis.ingest import load_police_uk

from .conftest import REPO


def test_input_files_checksums_match():
    cfg = load_config()
    files = provenance.input_files(cfg)
    police = files[files["kind"] == "police.uk"]
    assert len(police) == len(list(cfg.data.police_uk.rglob("*-street.csv.gz")))
    first = police.iloc[0]
    assert hashlib.sha256((REPO / first["file"]).read_bytes()).hexdigest() == first["sha256"]
    assert (files["kind"] == "geography").sum() >= 2


def test_summary_names_months_commit_seed_and_versions():
    cfg = load_config()
    q = load_police_uk(config=cfg).attrs["quality"]
    s = dict(zip(*provenance.summary(cfg, q, {"year": 2024}).T.values))
    assert "47 months, 2018-06 to 2025-12" in s["Months of police.uk data"]
    assert s["Random seed (every permutation test)"] == str(cfg.seed)
    assert s["Parameters"] == "year=2024"
    commit = s["Code version (git commit)"]
    assert len(commit.split()[0]) == 40 or commit in ("not a git checkout", "git not available")
    assert "pandas" in s["Software"] and "statsmodels" in s["Software"]
