"""The bundled Milton Keynes data and geography, checked against independent counts."""
from __future__ import annotations

import csv
import gzip
from collections import Counter

import pandas as pd

from safermk_analysis.config import load_config
from safermk_analysis.geography import load_lsoas, load_wards, msoas, resolve_area
from safermk_analysis.ingest import load_police_uk

from .conftest import BUNDLED_POLICE, SHARED, needs_shared


def _independent_counts(files, opener=open):
    """Rows per Month whose LSOA name starts with 'Milton Keynes', counted with the csv module."""
    mk, all_rows, unlocated = Counter(), Counter(), Counter()
    for f in files:
        with opener(f, "rt", encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                all_rows[r["Month"]] += 1
                if r["LSOA name"].startswith("Milton Keynes"):
                    mk[r["Month"]] += 1
                if not r["LSOA name"] and not r["Longitude"]:
                    unlocated[r["Month"]] += 1
    return mk, all_rows, unlocated


def test_bundled_months_match_independent_count():
    files = sorted(BUNDLED_POLICE.rglob("*-street.csv.gz"))
    assert len(files) >= 47
    df = load_police_uk(BUNDLED_POLICE, area="E06000042")
    q = df.attrs["quality"]
    mk, all_rows, _ = _independent_counts(files, gzip.open)
    assert q.rows_read == sum(all_rows.values())
    for month, n in mk.items():
        dropped = sum(q.drops_by_month.get(month, {}).values())
        assert q.kept_by_month[month] + dropped == n, month
    assert sum(q.drops.values()) == 0  # the bundle holds only located Milton Keynes rows
    # 35 consecutive months, February 2023 to December 2025
    span = [str(m) for m in pd.period_range("2023-02", "2025-12", freq="M")]
    assert set(span) <= set(q.months_present)
    assert q.lsoa11_assignment.get("point_in_polygon", 0) > 0  # 2021-coded rows placed by coordinates
    assert set(df["lsoa11cd"].dropna().unique()) <= resolve_area("E06000042").lsoa11_codes


def test_bundled_geography():
    mk = load_lsoas("Milton Keynes")
    assert len(mk) == 152 and mk.crs.to_epsg() == 27700
    assert mk["residents_2011"].sum() == 248_821  # census 2011 usual residents
    assert mk["population_mid2015"].sum() == 262_828
    assert mk["imd_decile"].between(1, 10).all() and mk["imd_crime_decile"].notna().all()
    assert mk.geometry.is_valid.all()
    from libpysal.weights import Queen
    w = Queen.from_dataframe(mk, use_index=False)
    assert not w.islands  # neighbouring LSOAs share edges
    assert len(msoas(mk)) == 32
    wards = load_wards(resolve_area("E06000042"))
    assert wards is not None and len(wards) == 23


def test_default_config_ingests_bundle():
    df = load_police_uk(config=load_config())
    assert df["category"].notna().all()
    assert set(df["category"].cat.categories) >= {"Burglary", "ASB", "Theft", "Vehicle offences"}


@needs_shared
def test_every_real_tvp_month_reads_and_matches_independent_count():
    root = SHARED / "police_uk"
    files = sorted(root.rglob("*-street.csv"))
    df = load_police_uk(root, area="E06000042")
    q = df.attrs["quality"]
    mk, all_rows, unlocated = _independent_counts(files)
    assert q.rows_read == sum(all_rows.values())
    assert q.drops["no_location"] == sum(unlocated.values())
    assert q.drops["duplicate"] == 0 and q.drops["unplaceable"] == 0
    for month, n in mk.items():
        # every Milton Keynes row by police.uk's own naming is kept; nothing else is
        assert q.kept_by_month[month] == n, month
    assert q.rows_read == q.rows_kept + sum(q.drops.values())


@needs_shared
def test_whole_force_without_area_places_every_located_row():
    df = load_police_uk(SHARED / "police_uk" / "thames-valley")
    q = df.attrs["quality"]
    assert q.drops["unplaceable"] == 0
    assert df["lsoa11cd"].notna().all()
    assert q.max_snap_distance_m is not None and q.max_snap_distance_m < 2000
