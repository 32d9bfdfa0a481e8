"""police.uk ingest: sources, schema, harmonisation, LSOA placement, area selection, duplicates, cache."""
from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

from safermk_analysis import ingest
from safermk_analysis.errors import AreaError, EmptySelectionError
from safermk_analysis.ingest import load_police_uk

from .conftest import row, write_police_csv


def _crime_id(k: int) -> str:
    return f"{k:064x}"


@pytest.fixture
def two_months(tmp_path, mk_points):
    """Two months in the police.uk folder layout: crimes, ASB, one unlocated row, one row elsewhere."""
    p = mk_points
    jan = [row(_crime_id(1), "2024-01", p[0]["lon"], p[0]["lat"], code=p[0]["code"], name=p[0]["name"]),
           row(_crime_id(2), "2024-01", p[1]["lon"], p[1]["lat"], code=p[1]["code"], name=p[1]["name"],
               crime_type="Violence and sexual offences"),
           row("", "2024-01", p[1]["lon"], p[1]["lat"], code=p[1]["code"], name=p[1]["name"],
               crime_type="Anti-social behaviour", outcome=""),
           row(_crime_id(3), "2024-01", "", "", code="", name="", crime_type="Drugs"),          # no location
           row(_crime_id(4), "2024-01", "-0.9730", "51.4550", code="E01016425", name="Reading 001A")]  # other LAD
    feb = [row(_crime_id(5), "2024-02", p[2]["lon"], p[2]["lat"], code=p[2]["code"], name=p[2]["name"],
               crime_type="Shoplifting"),
           row("", "2024-02", p[2]["lon"], p[2]["lat"], code=p[2]["code"], name=p[2]["name"],
               crime_type="Anti-social behaviour", outcome=""),
           row("", "2024-02", p[2]["lon"], p[2]["lat"], code=p[2]["code"], name=p[2]["name"],
               crime_type="Anti-social behaviour", outcome="")]  # an identical second ASB incident
    write_police_csv(tmp_path / "dl" / "2024-01" / "2024-01-thames-valley-street.csv", jan)
    write_police_csv(tmp_path / "dl" / "2024-02" / "2024-02-thames-valley-street.csv", feb)
    (tmp_path / "dl" / "2024-01" / "2024-01-thames-valley-outcomes.csv").write_text("ignored\n")
    return tmp_path / "dl"


def test_tidy_records_and_accounting(two_months, mk_points):
    df = load_police_uk(two_months, area="E06000042", cache=False)
    q = df.attrs["quality"]
    assert len(df) == 6
    assert isinstance(df["month"].dtype, pd.PeriodDtype) and df["month"].dtype == pd.PeriodDtype("M")
    assert q.rows_read == 8 and q.rows_kept == 6
    assert q.drops["no_location"] == 1 and q.drops["outside_area"] == 1
    assert q.rows_read == q.rows_kept + sum(q.drops.values())
    assert q.months_present == ["2024-01", "2024-02"] and q.months_missing == []
    assert q.kept_by_month == {"2024-01": 3, "2024-02": 3}
    assert q.drops_by_month["2024-01"] == {"no_location": 1, "outside_area": 1}
    # British National Grid metres, inside Milton Keynes (roughly 478-500 km E, 225-260 km N)
    assert df["easting"].between(475_000, 500_000).all() and df["northing"].between(225_000, 262_000).all()
    assert set(df["lsoa11cd"]) == {p["code"] for p in mk_points[:3]}
    assert (df["lsoa11_method"] == "lsoa_code").all()
    assert df["is_asb"].sum() == 3
    assert any("not street-level" in w for w in q.warnings)  # the outcomes file is named, not silently skipped


def test_identical_asb_rows_in_one_file_are_two_incidents(two_months):
    df = load_police_uk(two_months, area="E06000042", cache=False)
    assert (df[df["month"] == pd.Period("2024-02", "M")]["is_asb"]).sum() == 2
    assert df.attrs["quality"].drops["duplicate"] == 0


def test_all_source_forms_agree(two_months, tmp_path):
    folder = load_police_uk(two_months, area="E06000042", cache=False)
    files = sorted(two_months.rglob("*-street.csv"))
    as_list = load_police_uk(files, area="E06000042", cache=False)
    as_glob = load_police_uk(str(two_months / "*" / "*-street.csv"), area="E06000042", cache=False)
    z = tmp_path / "download.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in files:
            zf.write(f, f"{f.parent.name}/{f.name}")
    as_zip = load_police_uk(z, area="E06000042", cache=False)
    for other in (as_list, as_glob, as_zip):
        assert other["crime_id"].tolist() == folder["crime_id"].tolist()
        assert other["lsoa11cd"].astype(str).tolist() == folder["lsoa11cd"].astype(str).tolist()


def test_gzip_files_are_read(tmp_path, mk_points):
    p = mk_points[0]
    write_police_csv(tmp_path / "2024-03-thames-valley-street.csv.gz",
                     [row(_crime_id(9), "2024-03", p["lon"], p["lat"], code=p["code"], name=p["name"])], gz=True)
    df = load_police_uk(tmp_path, area="Milton Keynes", cache=False)
    assert len(df) == 1


def test_same_month_loaded_twice_is_counted_once(two_months, tmp_path):
    once = load_police_uk(two_months, area="E06000042", cache=False)
    jan = two_months / "2024-01" / "2024-01-thames-valley-street.csv"
    copy = tmp_path / "again" / "2024-01" / "2024-01-thames-valley-street.csv"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(jan.read_bytes())
    twice = load_police_uk([two_months, copy], area="E06000042", cache=False)
    q = twice.attrs["quality"]
    assert len(twice) == len(once)
    assert q.drops["duplicate"] == 3  # two crimes and one ASB row of January
    assert q.overlapping_files and q.overlapping_files[0]["month"] == "2024-01"
    assert q.rows_read == q.rows_kept + sum(q.drops.values())


def test_overlapping_extract_adds_nothing(tmp_path, mk_points):
    p = mk_points
    full = [row(_crime_id(k), "2024-05", p[k % 3]["lon"], p[k % 3]["lat"], code=p[k % 3]["code"],
                name=p[k % 3]["name"]) for k in range(6)]
    full += [row("", "2024-05", p[0]["lon"], p[0]["lat"], code=p[0]["code"], name=p[0]["name"],
                 crime_type="Anti-social behaviour", outcome="")] * 2
    write_police_csv(tmp_path / "a" / "2024-05-thames-valley-street.csv", full)
    write_police_csv(tmp_path / "b" / "2024-05-thames-valley-street.csv", full[:3] + full[6:7])
    df = load_police_uk(tmp_path, area="E06000042", cache=False)
    assert len(df) == 8 and df["is_asb"].sum() == 2
    assert df.attrs["quality"].drops["duplicate"] == 4


def test_historic_crime_types_harmonised(tmp_path, mk_points):
    p = mk_points[0]
    rows = [row(_crime_id(k), "2013-04", p["lon"], p["lat"], code=p["code"], name=p["name"], crime_type=t)
            for k, t in enumerate(["Violent crime", "Public disorder and weapons", "Other theft", "Unheard of"])]
    rows.append(row(_crime_id(10), "2013-05", p["lon"], p["lat"], code=p["code"], name=p["name"],
                    crime_type="Bicycle theft"))
    write_police_csv(tmp_path / "old.csv", rows)
    df = load_police_uk(tmp_path / "old.csv", area="E06000042", cache=False)
    q = df.attrs["quality"]
    assert df["crime_type"].tolist()[:3] == ["Violence and sexual offences", "Public disorder and weapons", "Other theft"]
    assert q.renamed_crime_types == {"Violent crime": "Violence and sexual offences"}
    assert q.unknown_crime_types == {"Unheard of": 1}
    assert "Unheard of" in df["crime_type"].tolist()  # kept, not dropped
    broken = {b["category"] for b in q.series_breaks}
    assert broken == {"Public disorder and weapons", "Other theft"}


def test_2021_codes_are_placed_in_the_right_2011_lsoa(tmp_path, mk_points):
    p = mk_points
    rows = [
        # a 2021-only code with an MK name: placed by its point
        row(_crime_id(1), "2024-06", p[3]["lon"], p[3]["lat"], code="E01035999", name="Milton Keynes 035X"),
        # a code and name nobody knows, but a point in MK: placed among all LSOAs
        row(_crime_id(2), "2024-06", p[4]["lon"], p[4]["lat"], code="E01099999", name="Nowhere 001A"),
        # a 2021 code without coordinates: in the area total, no 2011 LSOA
        row(_crime_id(3), "2024-06", "", "", code="E01035998", name="Milton Keynes 036Y"),
    ]
    write_police_csv(tmp_path / "2024-06-thames-valley-street.csv", rows)
    df = load_police_uk(tmp_path, area="E06000042", cache=False)
    assert df["lsoa11cd"].astype(object).tolist()[:2] == [p[3]["code"], p[4]["code"]]
    assert pd.isna(df["lsoa11cd"].iloc[2])
    assert df["lsoa11_method"].astype(str).tolist() == ["point_in_polygon", "point_in_polygon", "lsoa_known_no_coordinates"]
    assert (df["lad17cd"] == "E06000042").all()


def test_point_just_outside_generalised_boundary_snaps_to_its_district(tmp_path):
    from safermk_analysis.geography import load_lsoas
    mk = load_lsoas("E06000042")
    edge = mk.union_all().exterior if mk.union_all().geom_type == "Polygon" else max(mk.union_all().geoms, key=lambda g: g.area).exterior
    outside = edge.interpolate(0.3, normalized=True)
    import shapely
    pt = shapely.affinity.translate(outside, 40, 0)
    if mk.union_all().contains(pt):
        pt = shapely.affinity.translate(outside, -40, 0)
    import geopandas as gpd
    lonlat = gpd.GeoSeries([pt], crs=27700).to_crs(4326).iloc[0]
    write_police_csv(tmp_path / "2024-06-thames-valley-street.csv",
                     [row(_crime_id(1), "2024-06", f"{lonlat.x:.6f}", f"{lonlat.y:.6f}", code="E01035997",
                          name="Milton Keynes 040Z")])
    df = load_police_uk(tmp_path, area="E06000042", cache=False)
    assert df["lsoa11_method"].iloc[0] in ("nearest_lsoa", "point_in_polygon")
    assert df["lsoa11cd"].iloc[0] in set(mk["lsoa11cd"])
    assert df.attrs["quality"].max_snap_distance_m is not None


def test_reporting_categories_from_config(two_months):
    from safermk_analysis.config import load_config
    cfg = load_config()
    df = load_police_uk(two_months, config=cfg, cache=False)
    assert df.loc[df["crime_type"] == "Violence and sexual offences", "category"].iloc[0] == "Violence and sexual offences"
    assert set(df.loc[df["is_asb"], "category"]) == {"ASB"}
    assert df.attrs["quality"].area == "Milton Keynes"


def test_months_filter_and_empty_selection(two_months):
    df = load_police_uk(two_months, area="E06000042", months=("2024-02", "2024-02"), cache=False)
    q = df.attrs["quality"]
    assert q.months_present == ["2024-02"] and q.drops["outside_requested_months"] == 5
    with pytest.raises(EmptySelectionError, match="2019-04..2020-03"):
        load_police_uk(two_months, area="E06000042", months=("2019-04", "2020-03"), cache=False)


def test_area_with_no_records_is_an_empty_selection(two_months):
    with pytest.raises(EmptySelectionError, match="Bristol"):
        load_police_uk(two_months, area="E06000023", cache=False)


def test_unknown_area_suggests_close_names(two_months):
    with pytest.raises(AreaError, match=r"Milton Keynez.*E06000042 \(Milton Keynes\)"):
        load_police_uk(two_months, area="Milton Keynez", cache=False)
    with pytest.raises(AreaError, match="predecessor"):
        load_police_uk(two_months, area="E06000060", cache=False)


def test_area_by_several_districts(two_months):
    df = load_police_uk(two_months, area=["E06000042", "Reading"], cache=False)
    assert set(df["lad17cd"]) == {"E06000042", "E06000038"}
    assert df.attrs["quality"].area == "Milton Keynes and Reading"


def test_no_area_keeps_every_located_row(two_months):
    df = load_police_uk(two_months, cache=False)
    q = df.attrs["quality"]
    assert len(df) == 7 and q.drops["no_location"] == 1 and q.area is None


def test_cache_round_trip_and_invalidation(two_months):
    first = load_police_uk(two_months, area="E06000042")
    second = load_police_uk(two_months, area="E06000042")
    assert not first.attrs["quality"].from_cache and second.attrs["quality"].from_cache
    pd.testing.assert_frame_equal(first, second)
    assert second.attrs["quality"].drops == first.attrs["quality"].drops
    f = two_months / "2024-02" / "2024-02-thames-valley-street.csv"
    f.write_text(f.read_text() + ",".join(row(_crime_id(77), "2024-02", crime_type="Robbery")) + "\n")
    third = load_police_uk(two_months, area="E06000042")
    assert not third.attrs["quality"].from_cache and len(third) == len(first) + 1


def test_crime_id_keys_match_factorize():
    import pyarrow as pa
    ids = [_crime_id(k % 5) if k % 3 else None for k in range(30)]
    col = pa.chunked_array([pa.array(ids[:10]), pa.array(ids[10:])])
    keys = ingest._crime_id_keys(col)
    codes = pd.factorize(pd.Series(ids), use_na_sentinel=True)[0]
    # same partition: equal IDs <-> equal keys, None <-> -1
    assert ((keys == -1) == (codes == -1)).all()
    valid = codes >= 0
    a, b = keys[valid], codes[valid]
    assert (np.equal.outer(a, a) == np.equal.outer(b, b)).all()
    short = pa.chunked_array([pa.array(["x", "y", "x", None])])  # not police.uk-shaped: fallback path
    assert list(ingest._crime_id_keys(short)) == [0, 1, 0, -1]
