"""Build the bundled default data in data/ from the raw public sources.

Run from the repository root (needs the project environment, e.g. .venv/bin/python):

    python data-raw/build_bundle.py --shared ../shared/data --lad E06000042 --force thames-valley

It writes
  data/geography/lsoa11_england_wales.parquet  all 34,753 LSOAs (2011) of England and Wales:
        EPSG:27700 polygons (ONS super generalised clipped, coordinates rounded to 1 m),
        LSOA -> MSOA -> LAD (2017) -> region lookup, census 2011 residents and households,
        mid-2015 population (IoD 2019 denominators), IMD 2019 and its crime domain (England).
  data/geography/wards_<LAD>.parquet            ward boundaries (2013) for orientation.
  data/geography/lsoa11_detail_<LAD>.parquet    the district's LSOAs at ONS "generalised clipped"
        resolution, used to place records by their coordinates more exactly.
  data/police_uk/<force>-<area slug>/YYYY-MM/YYYY-MM-<force>-street.csv.gz
        every row of every police.uk month whose LSOA name starts with the area's LSOA-name
        prefix (as police.uk assigned it), in the original 12-column police.uk format.
  data/police_uk/<force>-<area slug>.months.csv  month, rows, ASB rows, source file, rows with
        no location in the whole-force file (which cannot be attributed to any area).

To add a month: put the police.uk file under the raw folder and run the script again.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.astype(str).str.replace(",", "", regex=False).str.strip(), errors="coerce")


def build_geography(shared: Path, out: Path) -> gpd.GeoDataFrame:
    lsoa = gpd.read_file(shared / "boundaries" / "lsoa2011_england_wales_bsc.geojson",
                         columns=["LSOA11CD", "LSOA11NM"]).to_crs(27700)
    lsoa = lsoa.rename(columns={"LSOA11CD": "lsoa11cd", "LSOA11NM": "lsoa11nm"})
    lsoa["geometry"] = shapely.make_valid(shapely.set_precision(lsoa.geometry.values, 1.0))

    look = pd.read_csv(shared / "lookups" / "fe6c55f0924b4734adf1cf7104a0173e_0.csv.gz",
                       encoding="utf-8-sig", dtype=str)
    look = (look[["LSOA11CD", "MSOA11CD", "MSOA11NM", "LAD17CD", "LAD17NM", "RGN11CD", "RGN11NM", "CTRY11NM"]]
            .drop_duplicates("LSOA11CD"))
    look.columns = ["lsoa11cd", "msoa11cd", "msoa11nm", "lad17cd", "lad17nm", "rgn11cd", "rgn11nm", "ctry11nm"]

    census = pd.read_csv(shared / "population" / "census_2011_population_hh.csv", dtype=str)
    census = pd.DataFrame({
        "lsoa11cd": census["LSOA Code"],
        "residents_2011": _num(census["Persons"]),
        "households_2011": _num(census["Households"]),
        "hectares": _num(census["Hectares"]),
    })

    dep = shared / "deprivation"
    pop15 = pd.read_csv(dep / "File_6_-_IoD2019_Population_Denominators.csv.gz", encoding="utf-8-sig", dtype=str)
    pop15 = pd.DataFrame({"lsoa11cd": pop15.iloc[:, 0], "population_mid2015": _num(pop15.iloc[:, 4])})
    imd = pd.read_csv(dep / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz", encoding="utf-8-sig", dtype=str)
    imd = pd.DataFrame({"lsoa11cd": imd.iloc[:, 0], "imd_rank": _num(imd.iloc[:, 4]), "imd_decile": _num(imd.iloc[:, 5])})
    dom = pd.read_csv(dep / "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz", encoding="utf-8-sig", dtype=str)
    crime_rank = [c for c in dom.columns if c.startswith("Crime Rank")][0]
    crime_dec = [c for c in dom.columns if c.startswith("Crime Decile")][0]
    dom = pd.DataFrame({"lsoa11cd": dom.iloc[:, 0], "imd_crime_rank": _num(dom[crime_rank]),
                        "imd_crime_decile": _num(dom[crime_dec])})

    g = lsoa.merge(look, on="lsoa11cd", how="left")
    for t in (census, pop15, imd, dom):
        g = g.merge(t, on="lsoa11cd", how="left")
    missing_lad = g["lad17cd"].isna().sum()
    if missing_lad:
        raise SystemExit(f"{missing_lad} LSOAs have no LAD in the lookup")
    for c in ("residents_2011", "households_2011", "population_mid2015", "imd_rank", "imd_decile",
              "imd_crime_rank", "imd_crime_decile"):
        g[c] = g[c].astype("Int64")
    g["hectares"] = g["hectares"].astype("float64")
    g = g[["lsoa11cd", "lsoa11nm", "msoa11cd", "msoa11nm", "lad17cd", "lad17nm", "rgn11cd", "rgn11nm",
           "ctry11nm", "residents_2011", "households_2011", "population_mid2015", "hectares",
           "imd_rank", "imd_decile", "imd_crime_rank", "imd_crime_decile", "geometry"]]
    g = g.sort_values("lsoa11cd").reset_index(drop=True)
    out.mkdir(parents=True, exist_ok=True)
    g.to_parquet(out / "lsoa11_england_wales.parquet", compression="zstd", index=False,
                 schema_version="1.0.0", write_covering_bbox=False)
    print(f"geography: {len(g):,} LSOAs -> {out / 'lsoa11_england_wales.parquet'}")
    return g


def _martinjc_layer(shared: Path, folder: str, lad: str, columns: dict, out_file: Path, what: str) -> None:
    """One district's layer from martinjc/UK-GeoJSON, in EPSG:27700 with 1 m coordinates, as GeoParquet.

    ``columns`` maps output names to source property names, or to a constant given as ('=', value).
    """
    src = shared / "boundaries" / "martinjc_UK-GeoJSON" / "json" / folder / f"{lad}.json"
    if not src.exists():
        print(f"{what}: no file for {lad}; skipped")
        return
    g = gpd.read_file(src).to_crs(27700)
    data = {k: (v[1] if isinstance(v, tuple) else g[v]) for k, v in columns.items()}
    geom = shapely.make_valid(shapely.set_precision(g.geometry.values, 1.0))
    gpd.GeoDataFrame(data, geometry=geom, crs=27700).to_parquet(out_file, compression="zstd", index=False)
    print(f"{what}: {len(g)} -> {out_file}")


def build_wards(shared: Path, lad: str, out: Path) -> None:
    """Ward boundaries (2013) for orientation on maps."""
    _martinjc_layer(shared, "electoral/eng/wards_by_lad", lad,
                    {"ward_cd": "WD13CD", "ward_nm": "WD13NM", "vintage": ("=", "2013")}, out / f"wards_{lad}.parquet", "wards")


def build_detail(shared: Path, lad: str, out: Path) -> None:
    """ONS generalised clipped LSOA boundaries of one district: used to place points more exactly."""
    _martinjc_layer(shared, "statistical/eng/lsoa_by_lad", lad, {"lsoa11cd": "LSOA11CD", "lad17cd": ("=", lad)},
                    out / f"lsoa11_detail_{lad}.parquet", "detailed LSOAs")


def _month_files(shared: Path, force: str) -> dict[str, Path]:
    """One file per month; whole-force files win over area extracts."""
    files: dict[str, Path] = {}
    for sub in (f"{force}-milton-keynes-extract", force):  # later wins
        root = shared / "police_uk" / sub
        if not root.is_dir():
            continue
        for d in sorted(root.iterdir()):
            f = d / f"{d.name}-{force}-street.csv"
            if MONTH_DIR.match(d.name) and f.is_file():
                files[d.name] = f
    return dict(sorted(files.items()))


def build_police(shared: Path, force: str, prefixes: list[str], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rows_meta = []
    for month, f in _month_files(shared, force).items():
        with open(f, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            name_i = header.index("LSOA name")
            type_i = header.index("Crime type")
            lon_i = header.index("Longitude")
            kept, asb, no_loc = [], 0, 0
            for row in reader:
                if not row[name_i] and not row[lon_i]:
                    no_loc += 1
                if row[name_i].startswith(tuple(prefixes)):
                    kept.append(row)
                    asb += row[type_i] == "Anti-social behaviour"
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(kept)
        dest = out / month / f"{month}-{force}-street.csv.gz"
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            gz.write(buf.getvalue().encode("utf-8"))
        rows_meta.append({"month": month, "rows": len(kept), "asb_rows": asb,
                          "source": f.relative_to(shared).as_posix(),
                          "whole_force_file": "extract" not in f.parent.parent.name,
                          "force_rows_without_location": no_loc if "extract" not in f.parent.parent.name else np.nan})
        print(f"police.uk {month}: {len(kept):,} rows ({asb:,} ASB) from {f.name}")
    meta = pd.DataFrame(rows_meta)
    meta["force_rows_without_location"] = meta["force_rows_without_location"].astype("Int64")
    meta.to_csv(out.parent / f"{out.name}.months.csv", index=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("data"))
    ap.add_argument("--lad", nargs="+", default=["E06000042"], help="LAD17 codes of the area")
    ap.add_argument("--force", default="thames-valley")
    ap.add_argument("--area-slug", default="milton-keynes")
    ap.add_argument("--skip-geography", action="store_true")
    args = ap.parse_args()
    geo_dir = args.out / "geography"
    if args.skip_geography:
        g = gpd.read_parquet(geo_dir / "lsoa11_england_wales.parquet", columns=["lsoa11nm", "lad17cd", "geometry"])
    else:
        g = build_geography(args.shared, geo_dir)
    for lad in args.lad:
        build_wards(args.shared, lad, geo_dir)
        build_detail(args.shared, lad, geo_dir)
    names = g.loc[g["lad17cd"].isin(args.lad), "lsoa11nm"]
    prefixes = sorted({n.rsplit(" ", 1)[0] + " " for n in names})
    print("LSOA-name prefixes:", prefixes)
    build_police(args.shared, args.force, prefixes, args.out / "police_uk" / f"{args.force}-{args.area_slug}")


if __name__ == "__main__":
    main()
