"""LSOA geography: area selection by local authority, LSOA polygons, population and deprivation.

Reads the bundled GeoParquet ``data/geography/lsoa11_england_wales.parquet`` (all 34,753
LSOAs 2011 of England and Wales, EPSG:27700, super generalised clipped boundaries whose
neighbours share edges). See data/README.md for the sources.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from .config import REPO_ROOT
from .errors import AreaError, InputDataError

DEFAULT_GEOGRAPHY = REPO_ROOT / "data" / "geography"
LSOA_FILE = "lsoa11_england_wales.parquet"
CRS = 27700  # British National Grid, metres
LOOKUP_COLUMNS = ["lsoa11cd", "lsoa11nm", "msoa11cd", "msoa11nm", "lad17cd", "lad17nm"]


@dataclass(frozen=True)
class Area:
    """A partnership area: one or more local authority districts (LAD 2017 codes)."""

    name: str
    lad_codes: tuple[str, ...]
    lsoa11_codes: frozenset[str] = field(repr=False)
    lsoa_name_prefixes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.lsoa11_codes)


def _geo_path(geography: str | Path | None) -> Path:
    folder = Path(geography) if geography is not None else DEFAULT_GEOGRAPHY
    path = folder / LSOA_FILE if folder.suffix != ".parquet" else folder
    if not path.is_file():
        raise InputDataError(
            f"LSOA geography file {path} not found. It ships with the repository under "
            "data/geography/; rebuild it with `python data-raw/build_bundle.py` if it was deleted.")
    return path


@lru_cache(maxsize=4)
def _lookup_cached(path: str, mtime_ns: int) -> pd.DataFrame:
    table = pq.read_table(path, columns=LOOKUP_COLUMNS)
    return table.to_pandas()


def lsoa_lookup(geography: str | Path | None = None) -> pd.DataFrame:
    """LSOA 2011 -> MSOA -> LAD 2017 lookup for England and Wales (no geometry; cached)."""
    path = _geo_path(geography)
    return _lookup_cached(str(path), path.stat().st_mtime_ns)


@dataclass(frozen=True)
class LookupIndex:
    """Integer positions for fast joins: LSOA codes, districts and LSOA-name prefixes."""

    lsoa_codes: "np.ndarray"      # object array of LSOA 2011 codes
    lad_codes: "np.ndarray"       # object array of LAD 2017 codes, sorted
    lsoa_pos: dict
    lad_pos: dict
    lsoa_lad: "np.ndarray"        # int32 district position of each LSOA
    prefix_lad: dict              # 'Milton Keynes ' -> district position


@lru_cache(maxsize=4)
def _index_cached(path: str, mtime_ns: int) -> LookupIndex:
    look = _lookup_cached(path, mtime_ns)
    lsoa_codes = np.array(look["lsoa11cd"].tolist(), dtype=object)
    lads = look["lad17cd"].tolist()
    lad_codes = np.array(sorted(set(lads)), dtype=object)
    lad_pos = {c: k for k, c in enumerate(lad_codes)}
    prefix_lad: dict[str, int] = {}
    for nm, d in zip(look["lsoa11nm"].tolist(), lads):
        prefix_lad.setdefault(lsoa_name_prefix(nm), lad_pos[d])
    return LookupIndex(lsoa_codes, lad_codes, {c: k for k, c in enumerate(lsoa_codes)}, lad_pos,
                       np.array([lad_pos[d] for d in lads], dtype=np.int32), prefix_lad)


def lookup_index(geography: str | Path | None = None) -> LookupIndex:
    """Cached integer index of the LSOA lookup, used by ingest for vectorised joins."""
    path = _geo_path(geography)
    return _index_cached(str(path), path.stat().st_mtime_ns)


def lsoa_name_prefix(lsoa_name: str) -> str:
    """'Milton Keynes 017A' -> 'Milton Keynes ' (the LAD part of an LSOA name)."""
    return lsoa_name.rsplit(" ", 1)[0] + " "


def resolve_area(area: str | Iterable[str], geography: str | Path | None = None, *,
                 name: str | None = None) -> Area:
    """Resolve LAD codes or names (case-insensitive) to an :class:`Area`.

    ``area`` may be one code/name or a list of them (a partnership covering several districts).
    Raises :class:`AreaError` naming the unknown value and the closest matches.
    """
    look = lsoa_lookup(geography)
    lads = look[["lad17cd", "lad17nm"]].drop_duplicates()
    by_code = dict(zip(lads["lad17cd"].str.upper(), lads["lad17cd"]))
    by_name = dict(zip(lads["lad17nm"].str.casefold(), lads["lad17cd"]))
    items = [area] if isinstance(area, str) else list(area)
    if not items:
        raise AreaError("No area given: pass a local authority code (e.g. 'E06000042') or name.")
    codes = []
    for item in items:
        key = str(item).strip()
        if key.upper() in by_code:
            codes.append(by_code[key.upper()])
        elif key.casefold() in by_name:
            codes.append(by_name[key.casefold()])
        else:
            hints = difflib.get_close_matches(key.casefold(), list(by_name), n=3, cutoff=0.6)
            hints += difflib.get_close_matches(key.upper(), list(by_code), n=3, cutoff=0.8)
            named = [f"{by_code.get(h.upper(), by_name.get(h))} ({lads.set_index('lad17cd').loc[by_code.get(h.upper(), by_name.get(h)), 'lad17nm']})"
                     for h in hints]
            raise AreaError(
                f"Area '{key}' is not a local authority district in the 2017 LSOA lookup "
                f"({len(lads)} districts of England and Wales). "
                + (f"Did you mean: {', '.join(dict.fromkeys(named))}? " if named else "")
                + "Authorities created after 2017 (e.g. Buckinghamshire, E06000060) are listed by "
                  "their predecessor districts: give those codes as a list.")
    codes = list(dict.fromkeys(codes))
    sel = look[look["lad17cd"].isin(codes)]
    names = lads.set_index("lad17cd").loc[codes, "lad17nm"].tolist()
    prefixes = tuple(sorted({lsoa_name_prefix(n) for n in sel["lsoa11nm"]}))
    return Area(name=name or " and ".join(names), lad_codes=tuple(codes),
                lsoa11_codes=frozenset(sel["lsoa11cd"]), lsoa_name_prefixes=prefixes)


def load_lsoas(area: Area | str | Iterable[str] | None = None,
               geography: str | Path | None = None) -> gpd.GeoDataFrame:
    """LSOA polygons (EPSG:27700) with lookup, population (2011, mid-2015) and IMD 2019 columns.

    ``area=None`` returns all of England and Wales.
    """
    path = _geo_path(geography)
    if area is None:
        return gpd.read_parquet(path)
    if not isinstance(area, Area):
        area = resolve_area(area, geography)
    g = gpd.read_parquet(path, filters=[("lad17cd", "in", list(area.lad_codes))])
    return g.reset_index(drop=True)


def detailed_lsoas(lad_codes, geography: str | Path | None = None) -> gpd.GeoDataFrame | None:
    """More detailed LSOA boundaries (``lsoa11_detail_<LAD>.parquet``) for the districts that have one."""
    folder = _geo_path(geography).parent
    parts = [gpd.read_parquet(folder / f"lsoa11_detail_{lad}.parquet") for lad in lad_codes
             if (folder / f"lsoa11_detail_{lad}.parquet").is_file()]
    return pd.concat(parts, ignore_index=True) if parts else None


def load_wards(area: Area, geography: str | Path | None = None) -> gpd.GeoDataFrame | None:
    """Ward boundaries for orientation, if bundled for the area's districts (else None)."""
    folder = _geo_path(geography).parent
    parts = [gpd.read_parquet(folder / f"wards_{lad}.parquet") for lad in area.lad_codes
             if (folder / f"wards_{lad}.parquet").is_file()]
    return pd.concat(parts, ignore_index=True) if parts else None


def msoas(lsoas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dissolve LSOAs to MSOAs (population columns summed)."""
    sums = [c for c in ("residents_2011", "households_2011", "population_mid2015") if c in lsoas]
    agg = {c: "sum" for c in sums}
    agg.update({"msoa11nm": "first", "lad17cd": "first"})
    return lsoas.dissolve(by="msoa11cd", aggfunc=agg).reset_index()


def population_totals(lsoas: gpd.GeoDataFrame, override=None, until=None) -> dict:
    """Residents and households of an area with the source and year of each denominator.

    Residents: the mid-2015 estimate (IoD 2019 denominators) where every LSOA has one, else the
    census 2011 count; households: census 2011. ``override`` (a :class:`config.PopulationConfig`)
    replaces the area totals with a more recent figure, unless it is dated after ``until`` (a
    monthly Period: the end of the assessment year; a re-run of an earlier year keeps the figures
    of its time); ``lsoa_residents_source`` always names the LSOA-level figure that LSOA rates use.
    """
    if len(lsoas) and "population_mid2015" in lsoas and lsoas["population_mid2015"].notna().all():
        residents, source, year = (int(lsoas["population_mid2015"].sum()),
                                   "mid-2015 population estimate (IoD 2019 denominators)", 2015)
    else:
        residents, source, year = int(lsoas["residents_2011"].sum()), "census 2011 usual residents", 2011
    out = {"residents": residents, "residents_source": source, "residents_year": year,
           "lsoa_residents_source": source,
           "households": int(lsoas["households_2011"].sum()), "households_source": "census 2011 households"}
    if override is not None and until is not None and override.year > until.year:
        override = None
    if override is not None:
        out.update(residents=int(override.residents), residents_source=override.source,
                   residents_year=int(override.year))
        if override.households:
            out.update(households=int(override.households), households_source=override.source)
    return out
