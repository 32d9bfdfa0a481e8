"""Shared fixtures: small police.uk files written on the fly, and the paths of real data."""
from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUNDLED_POLICE = REPO / "data" / "police_uk" / "thames-valley-milton-keynes"
SHARED = REPO.parent / "shared" / "data"
HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
          "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]
TVP = "Thames Valley Police"

needs_shared = pytest.mark.skipif(not (SHARED / "police_uk").is_dir(),
                                  reason="../shared/data is not present (only in the development workspace)")


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Every test session caches into its own folder, never the user's home."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SAFERMK_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()


def row(crime_id="", month="2024-01", lon="-0.7499", lat="52.0406", location="On or near Test Street",
        code="E01016796", name="Milton Keynes 001A", crime_type="Burglary", outcome="Under investigation",
        context="", force=TVP):
    return [crime_id, month, force, force, lon, lat, location, code, name, crime_type, outcome, context]


def write_police_csv(path: Path, rows, header=HEADER, gz=False, encoding="utf-8", delimiter=","):
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = (lambda: gzip.open(path, "wt", encoding=encoding, newline="")) if gz else \
        (lambda: open(path, "w", encoding=encoding, newline=""))
    with opener() as fh:
        w = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def mk_points():
    """A few real Milton Keynes 2011 LSOAs with a WGS84 point inside each (from the bundled geography)."""
    from safermk_analysis.geography import load_lsoas
    g = load_lsoas("E06000042").sort_values("lsoa11cd").head(5)
    pts = g.geometry.representative_point().to_crs(4326)
    return [{"code": c, "name": n, "lon": f"{p.x:.6f}", "lat": f"{p.y:.6f}"}
            for c, n, p in zip(g["lsoa11cd"], g["lsoa11nm"], pts)]


@pytest.fixture(scope="session")
def bundled_report(tmp_path_factory):
    """The full assessment on the bundled data, rendered once per test session."""
    from safermk_analysis import report
    out = tmp_path_factory.mktemp("report")
    result = report.run_assessment(None, "latest", out, log=lambda s: None)
    return result
