"""Read police.uk street-level crime and ASB files into tidy, validated records for an area.

Entry point: :func:`load_police_uk`. It accepts the download as police.uk lays it out (a
folder tree ``YYYY-MM/YYYY-MM-<force>-street.csv``, the archive zip, a glob, one file or a
list of files; ``.csv.gz`` too), checks the 12-column schema, parses ``Month`` to a monthly
period, projects coordinates to EPSG:27700, harmonises historic crime type names, places
every row in a 2011 LSOA (2021 codes by point-in-polygon), selects the area, removes
duplicates, and attaches an :class:`~safermk_analysis.quality.IngestQuality` as
``df.attrs["quality"]``. Nothing is dropped silently: every row read is kept or counted under
one drop reason.
"""
from __future__ import annotations

import glob as globmod
import gzip
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Literal, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from . import geography
from .categories import harmonise_crime_types, reporting_category_map, series_breaks
from .config import Config
from .errors import EmptySelectionError, InputDataError
from .quality import DROP_REASONS, IngestQuality

#: The 12 columns of a police.uk street-level file, in published order.
POLICE_UK_COLUMNS: tuple[str, ...] = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)
_RENAME = {
    "Crime ID": "crime_id", "Month": "month", "Reported by": "reported_by", "Falls within": "falls_within",
    "Longitude": "longitude", "Latitude": "latitude", "Location": "location", "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name", "Crime type": "crime_type_raw", "Last outcome category": "outcome",
    "Context": "context",
}
# columns turned into pandas categoricals in the tidy output
_OUTPUT_CATEGORICAL = ("Reported by", "Falls within", "Location", "LSOA code", "LSOA name", "Crime type",
                       "Last outcome category", "Context")
#: Longitude/latitude box that contains the United Kingdom (WGS84 degrees).
UK_BOUNDS = {"lon": (-8.7, 1.9), "lat": (49.8, 61.0)}
#: Rows whose 2011 LSOA is found by proximity are accepted up to this distance (metres).
MAX_SNAP_M = 2000.0
#: Bump when the tidy output changes, so old caches are not reused.
INGEST_VERSION = "2"
_STREET = re.compile(r"(\d{4}-\d{2})-([a-z0-9-]+?)-street\.csv(\.gz)?$", re.IGNORECASE)
#: other police.uk products and operating-system litter, never street-level records
_NOT_STREET = re.compile(r"(-outcomes|-stop-and-search)\.csv(\.gz)?$|(^|/)\._|(^|/)__MACOSX/|(^|/)\.DS_Store$",
                         re.IGNORECASE)


def _is_street(name: str) -> bool:
    return bool(_STREET.search(name)) and not _NOT_STREET.search(name)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")

BadRows = Literal["raise", "drop"]
_CATEGORY_COLUMNS = ("reported_by", "falls_within", "location", "lsoa_code", "lsoa_name", "lsoa11cd", "lsoa11_method",
                     "lad17cd", "crime_type_raw", "outcome", "context", "source_file", "crime_type", "category")


# ----------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class SourceFile:
    """One police.uk CSV: a path on disk or a member of a zip archive."""

    name: str  # shown in messages and reports
    path: Path
    member: str | None = None  # zip member name
    size: int = 0
    mtime_ns: int = 0

    def read_bytes(self) -> bytes:
        if self.member is None:
            data = self.path.read_bytes()
        else:
            with zipfile.ZipFile(self.path) as zf:
                data = zf.read(self.member)
        if data[:2] == b"\x1f\x8b":
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError) as err:
                raise InputDataError(f"{self.name}: the gzip file is damaged ({err}); download it again.") from None
        return data

    @property
    def month_from_name(self) -> str | None:
        m = _STREET.search(self.member or self.path.name)
        return m.group(1) if m else None

    @property
    def force_from_name(self) -> str | None:
        m = _STREET.search(self.member or self.path.name)
        return m.group(2).lower() if m else None


def _zip_sources(path: Path) -> tuple[list[SourceFile], list[str]]:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputDataError(f"{path} is not a valid zip archive; download the police.uk archive again.") from None
    st = path.stat()
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
    street = [SourceFile(f"{path.name}:{i.filename}", path, i.filename, i.file_size, st.st_mtime_ns)
              for i in members if _is_street(i.filename)]
    ignored = [i.filename for i in members if not _is_street(i.filename)]
    return street, ignored


def _file_source(p: Path) -> SourceFile:
    st = p.stat()
    return SourceFile(str(p), p, None, st.st_size, st.st_mtime_ns)


def find_police_uk_files(source: str | os.PathLike | Sequence[str | os.PathLike]) -> tuple[list[SourceFile], list[str]]:
    """Resolve a folder, zip, glob, file or list of those to street-level files.

    Returns ``(files, ignored)`` where ``ignored`` names files that are not street-level files
    (e.g. outcomes or stop-and-search files in a police.uk download).
    """
    if isinstance(source, (list, tuple)):
        files, ignored = [], []
        for s in source:
            f, i = find_police_uk_files(s)
            files += f
            ignored += i
        if not files:
            raise InputDataError("The list of police.uk sources is empty: give at least one file or folder.")
        return files, ignored
    text = os.fspath(source)
    if any(ch in text for ch in "*?[") and not Path(text).exists():
        matches = sorted(m for m in globmod.glob(text, recursive=True) if Path(m).is_file())
        if not matches:
            raise InputDataError(f"The pattern '{text}' matches no file. Check the folder and the pattern "
                                 "(e.g. 'data/police_uk/**/*-street.csv').")
        other = [m for m in matches if _NOT_STREET.search(Path(m).as_posix())]
        wanted = [Path(m) for m in matches if m not in other]
        if not wanted:
            raise InputDataError(f"The pattern '{text}' matches only files that are not street-level records "
                                 f"(e.g. {Path(other[0]).name}).")
        files, ignored = find_police_uk_files(wanted)
        return files, other + ignored
    p = Path(text).expanduser()
    if not p.exists():
        raise InputDataError(f"police.uk source {p} does not exist. Give the folder you unzipped the police.uk "
                             "download into, the downloaded zip, or a CSV file.")
    if p.is_dir():
        all_files = sorted(q for q in p.rglob("*") if q.is_file())
        street = [_file_source(q) for q in all_files if _is_street(q.as_posix())]
        zips = [q for q in all_files if q.suffix.lower() == ".zip" and not _NOT_STREET.search(q.as_posix())]
        ignored = [str(q) for q in all_files if not _is_street(q.as_posix()) and q not in zips]
        for z in zips:
            f, i = _zip_sources(z)
            street += f
            ignored += i
        if not street:
            raise InputDataError(
                f"No police.uk street-level files (YYYY-MM-<force>-street.csv) under {p}"
                + (f"; found {len(all_files)} other file(s), e.g. {all_files[0].name}" if all_files else " (the folder is empty)")
                + ". On data.police.uk choose 'Include crime data' when downloading.")
        return street, ignored
    if p.suffix.lower() == ".zip":
        street, ignored = _zip_sources(p)
        if not street:
            raise InputDataError(f"The zip {p} holds no street-level files (YYYY-MM-<force>-street.csv); "
                                 f"it has {len(ignored)} other file(s).")
        return street, ignored
    return [_file_source(p)], []


# ----------------------------------------------------------------------------- reading one file
def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _check_header(data: bytes, name: str) -> tuple[list[str], int]:
    """Validate the header line; returns (column names, number of header bytes incl. BOM)."""
    if not data.strip():
        raise InputDataError(f"{name} is empty (0 data rows). Download the month again from data.police.uk.")
    if data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise InputDataError(f"{name} is an Excel workbook (or a zip archive), not a CSV file. In Excel use "
                             "'Save As' > 'CSV UTF-8 (Comma delimited)', or use the original police.uk CSV.")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputDataError(f"{name} is saved as UTF-16 (Excel's 'Unicode Text'), not UTF-8. Use the original "
                             "police.uk CSV, or re-save it as 'CSV UTF-8 (Comma delimited)'.")
    bom = 3 if data[:3] == b"\xef\xbb\xbf" else 0
    end = data.find(b"\n", bom)
    first = data[bom:end if end >= 0 else len(data)].rstrip(b"\r")
    try:
        header_text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise InputDataError(f"{name} line 1: the header is not UTF-8 text. Re-download the file, save it as "
                             "'CSV UTF-8', or pass encoding='cp1252' to load_police_uk.") from None
    if header_text.count(";") >= 6 and header_text.count(",") < 6:
        raise InputDataError(f"{name} uses ';' between columns (as Excel does in some locales), not ','. "
                             "Use the original police.uk download, or re-save it as 'CSV UTF-8 (Comma delimited)'.")
    if "\t" in header_text and header_text.count(",") < 6:
        raise InputDataError(f"{name} is tab-separated; police.uk files are comma-separated. "
                             "Use the original download.")
    cols = [c.strip().strip('"') for c in header_text.split(",")]
    missing = [c for c in POLICE_UK_COLUMNS if c not in cols]
    if missing:
        near = {c.casefold().replace("_", " "): c for c in cols}
        renamed = [f"'{near[m.casefold()]}' should be '{m}'" for m in missing if m.casefold() in near]
        raise InputDataError(
            f"{name} is not a police.uk street-level file: missing column(s) {missing}. "
            f"Found columns: {cols}. "
            + (f"({'; '.join(renamed)}.) " if renamed else "")
            + "Expected the 12 police.uk columns: " + ", ".join(POLICE_UK_COLUMNS) + ".")
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes:
        raise InputDataError(f"{name} has repeated column name(s) {dupes}; use the original police.uk file.")
    return cols, bom


def _recode(data: bytes, name: str, encoding: str) -> bytes:
    if encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = _line_of_offset(data, err.start)
            raise InputDataError(
                f"{name} line {line}: bytes {data[err.start:err.end + 3]!r} are not UTF-8 text (the file was "
                "probably re-saved by Excel as Windows-1252). Re-download it, save it as 'CSV UTF-8', or "
                "pass encoding='cp1252' to load_police_uk.") from None
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except (UnicodeDecodeError, LookupError) as err:
        raise InputDataError(f"{name} cannot be decoded as {encoding}: {err}.") from None


def _record_lines(data: bytes) -> tuple[list[int], list[int]]:
    """(first physical line, number of fields) of every CSV record after the header (slow path).

    Used only when the fast parser's rows and the file's lines disagree (blank lines, quoted
    line breaks, malformed rows), so that messages can name the right line.
    """
    import csv

    text = data.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, widths, prev_end = [], [], 0
    for k, rec in enumerate(reader):
        end = reader.line_num
        if k > 0 and rec:  # csv gives [] for a blank line
            starts.append(prev_end + 1)
            widths.append(len(rec))
        prev_end = end
    return starts, widths


def _read_table(data: bytes, src: SourceFile, file_id: int, encoding: str,
                bad: list[dict], bad_rows: str = "raise") -> pa.Table:
    cols, bom = _check_header(data, src.name)
    if bom:
        data = data[bom:]
    bad_here: list[dict] = []

    def on_invalid(row) -> str:
        bad_here.append({"file": src.name, "line": row.number, "fields": row.actual_columns,
                         "text": (row.text or "")[:120]})
        return "skip"

    extra = [c for c in cols if c not in POLICE_UK_COLUMNS]
    # column names as checked (stripped), so ' Month' in a hand-edited header still reads as Month
    read = pacsv.ReadOptions(use_threads=True, block_size=1 << 22, column_names=cols, skip_rows=1)
    # every column but the Crime ID repeats heavily: read it dictionary-encoded (values once, int32
    # codes per row), which halves the memory of the raw table and spares a later hashing pass
    convert = pacsv.ConvertOptions(column_types={c: (pa.string() if c == "Crime ID" else _DICT) for c in cols},
                                   include_columns=list(POLICE_UK_COLUMNS), strings_can_be_null=True,
                                   null_values=[""])
    parse = pacsv.ParseOptions(invalid_row_handler=on_invalid)
    try:
        table = pacsv.read_csv(io.BytesIO(data), read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as err:
        msg = str(err)
        if "UTF8" in msg or "utf8" in msg.lower():
            _recode(data, src.name, "utf-8")  # raises with the line number
        raise InputDataError(f"{src.name} could not be read as a police.uk CSV: {msg}") from None
    n = table.num_rows
    # every physical line after the header must be a row, a blank line, or part of a reported bad row
    physical = data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - 1
    # blank lines and rows spanning lines both add physical lines, so equal counts mean neither
    exact = not bad_here and physical == n
    if not exact and not bad_here:
        blank = len(re.findall(rb"\n\s*(?=\n)", data)) + (1 if data.endswith(b"\n\n") else 0)
        exact = physical - blank == n
    lines = np.arange(2, n + 2, dtype=np.int32)
    if not exact:
        starts, widths = _record_lines(data)
        good = [ln for ln, w in zip(starts, widths) if w == len(cols)]
        bad_recs = [(ln, w) for ln, w in zip(starts, widths) if w != len(cols)]
        spans = [starts[k + 1] - ln for k, ln in enumerate(starts[:-1])] + [physical + 2 - (starts[-1] if starts else 0)]
        long_bad = [(ln, sp) for (ln, w), sp in zip(zip(starts, widths), spans) if w != len(cols) and sp > 2]
        if long_bad:
            ln, sp = long_bad[0]
            raise InputDataError(
                f"{src.name} line {ln}: a quote (\") opens a field that is never closed, so {sp - 1} following "
                f"line(s) were read as part of one row. Fix or remove the stray quote (or re-download the file); "
                "no row of this file was loaded.")
        if len(good) == n:
            lines = np.array(good, dtype=np.int32)
        if len(bad_recs) == len(bad_here):
            for b, (ln, w) in zip(bad_here, bad_recs):
                b["line"], b["fields"] = ln, w
    for b in bad_here:
        b["expected"] = len(cols)
    bad.extend(bad_here)
    if n == 0 and not bad_here:
        raise InputDataError(f"{src.name} has a header but no data rows. Download the month again from data.police.uk.")
    table = table.append_column("file_id", pa.array(np.full(n, file_id, dtype=np.int32)))
    table = table.append_column("line", pa.array(lines))
    if extra:
        bad.append({"file": src.name, "ignored_columns": extra})
    return table


_DICT = pa.dictionary(pa.int32(), pa.string())


def _codes(col: pa.ChunkedArray) -> tuple[list, np.ndarray]:
    """(distinct values, int32 codes with -1 for null) of a string or dictionary column."""
    enc = col if pa.types.is_dictionary(col.type) else col.dictionary_encode()
    if enc.num_chunks > 1:
        enc = pa.table({"c": enc}).unify_dictionaries().column("c")
    chunks = enc.chunks
    if not chunks:
        return [], np.array([], dtype=np.int32)
    if len({len(c.dictionary) for c in chunks}) > 1:  # defensive: make every chunk share one dictionary
        enc = pa.table({"c": enc}).unify_dictionaries().column("c")
        chunks = enc.chunks
    values = chunks[-1].dictionary.to_pylist()
    codes = np.concatenate([c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in chunks])
    return values, codes.astype(np.int32, copy=False)


def _locate(table: pa.Table, i: int, names: list[str]) -> str:
    fid = int(table.column("file_id")[i].as_py())
    line = int(table.column("line")[i].as_py())
    return f"{names[fid]} line {line}"


def _parse_floats(values: list, what: str, codes: np.ndarray, table: pa.Table,
                  names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(float per distinct value, float per row) of a coordinate column; blank text is missing.

    Raises a clear error, naming file and line, on text that is not a number.
    """
    try:
        num = np.array(values, dtype=float)  # fast path: every distinct value is a number
        bad_vals = []
    except (TypeError, ValueError):
        num = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
        bad_vals = [k for k, v in enumerate(values) if v is not None and str(v).strip() and np.isnan(num[k])]
    if bad_vals:
        mask = np.isin(codes, bad_vals)
        i = int(np.flatnonzero(mask)[0])
        raise InputDataError(f"{_locate(table, i, names)}: {what} '{values[codes[i]]}' is not a number "
                             f"({int(mask.sum())} such row(s) in all). Fix or re-download the file.")
    return num, np.append(num, np.nan)[codes]


# ----------------------------------------------------------------------------- placing rows in LSOAs
@lru_cache(maxsize=1)
def _transformer():
    from pyproj import Transformer
    return Transformer.from_crs(4326, 27700, always_xy=True)




def _cache_key(files: list[SourceFile], area_codes, months, bad_rows, encoding, mapping, geo: Path) -> str:
    gst = geo.stat()
    payload = {
        "v": INGEST_VERSION, "files": [(f.name, f.size, f.mtime_ns) for f in files],
        "area": sorted(area_codes) if area_codes else None, "months": months, "bad_rows": bad_rows,
        "encoding": encoding, "mapping": mapping, "geo": (str(geo), gst.st_size, gst.st_mtime_ns),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:24]


def default_cache_dir() -> Path:
    """``$SAFERMK_CACHE`` or ``~/.cache/safermk_analysis``."""
    env = os.environ.get("SAFERMK_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "safermk_analysis"


def _normalise_months(months) -> tuple[str, str] | None:
    if months is None:
        return None
    if isinstance(months, (str, pd.Period)):
        months = (months, months)
    try:
        if len(months) != 2 or not all(isinstance(m, pd.Period) or _MONTH.match(str(m)) for m in months):
            raise ValueError
        a, b = (pd.Period(str(m), freq="M") for m in months)
    except Exception:
        raise InputDataError(f"months={months!r} is not a (first, last) pair of months like ('2024-04', '2025-03').") from None
    if a > b:
        raise InputDataError(f"months: first month {a} is after last month {b}.")
    return str(a), str(b)


def load_police_uk(source=None, area=None, config: Config | None = None, *,
                   months=None, bad_rows: BadRows = "raise", encoding: str = "utf-8",
                   cache: bool = True, cache_dir: str | os.PathLike | None = None,
                   geography_dir: str | os.PathLike | None = None,
                   progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Load police.uk street-level records for an area as one tidy row per record.

    Parameters
    ----------
    source : folder, zip, glob, CSV file or list of them; default ``config.data.police_uk``.
    area : LAD code(s) or name(s) (e.g. ``"E06000042"`` or ``"Milton Keynes"``), or
        ``None`` for every row in the files (then ``config.area`` is used if a config is given).
    config : the typed :class:`~safermk_analysis.config.Config`; adds the reporting ``category``
        column and supplies defaults for source, area and paths.
    months : ``(first, last)`` months to keep, e.g. ``("2024-04", "2025-03")``; default all.
    bad_rows : ``"raise"`` (default) stops at malformed rows, unparseable months or coordinates
        outside the UK with a message naming file and line; ``"drop"`` drops and counts them.
    encoding : text encoding of the files (police.uk files are UTF-8).
    cache : reuse a Parquet cache keyed by the inputs (file names, sizes, times) and options.

    Returns
    -------
    DataFrame with columns ``crime_id, month`` (monthly ``Period``), ``reported_by,
    falls_within, longitude, latitude, easting, northing`` (EPSG:27700 metres), ``location,
    lsoa_code, lsoa_name`` (as published), ``lsoa11cd`` (2011 LSOA), ``lsoa11_method``,
    ``lad17cd, crime_type`` (harmonised), ``crime_type_raw, is_asb, outcome, context,
    source_file`` and, with a config, ``category``. ``df.attrs["quality"]`` holds the
    :class:`~safermk_analysis.quality.IngestQuality`.
    """
    if source is None:
        if config is None:
            raise InputDataError("No police.uk source given: pass a folder/zip/file, or a config whose "
                                 "data.police_uk names one.")
        source = config.data.police_uk
    geo_dir = Path(geography_dir) if geography_dir is not None else (config.data.geography if config else None)
    geo_path = geography._geo_path(geo_dir)
    if area is None and config is not None:
        area = config.area.lad_codes
    area_obj = geography.resolve_area(area, geo_dir) if area is not None else None
    if area_obj is not None and config is not None and set(area_obj.lad_codes) == set(config.area.lad_codes):
        area_obj = geography.resolve_area(area, geo_dir, name=config.area.name)  # the partnership's own name
    month_range = _normalise_months(months)
    if bad_rows not in ("raise", "drop"):
        raise InputDataError(f"bad_rows must be 'raise' or 'drop', not {bad_rows!r}.")
    mapping = config.categories.model_dump() if config is not None else None

    files, ignored = find_police_uk_files(source)
    files = sorted(files, key=lambda f: f.name)
    key = _cache_key(files, (area_obj.name, *area_obj.lad_codes) if area_obj else None, month_range, bad_rows,
                     encoding, mapping, geo_path)
    cdir = Path(cache_dir) if cache_dir is not None else (
        config.data.cache_dir if config is not None and config.data.cache_dir else default_cache_dir())
    cpath = cdir / f"police_uk_{key}.parquet"
    if cache and cpath.is_file():
        try:
            return _read_cache(cpath)
        except Exception:  # a damaged cache is rebuilt, never trusted
            cpath.unlink(missing_ok=True)

    df, quality = _ingest(files, ignored, area_obj, month_range, bad_rows, encoding, geo_dir, config, progress)
    if cache:
        _write_cache(df, quality, cpath)
    df.attrs["quality"] = quality
    return df


def _read_cache(path: Path) -> pd.DataFrame:
    table = pq.read_table(path)
    meta = table.schema.metadata or {}
    quality = IngestQuality.from_json(meta[b"safermk_quality"].decode())
    quality.from_cache = True
    df = table.to_pandas()
    for c in _CATEGORY_COLUMNS:  # an all-empty categorical comes back from Parquet as object
        if c in df and not isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = df[c].astype("category")
    df.attrs = {"quality": quality}
    return df


def _write_cache(df: pd.DataFrame, quality: IngestQuality, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(df, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"safermk_quality"] = quality.to_json().encode()
        tmp = path.with_suffix(".tmp")
        pq.write_table(table.replace_schema_metadata(meta), tmp, compression="zstd")
        tmp.replace(path)
    except OSError:
        pass  # caching is an optimisation; a read-only disk must not stop the analysis




def _ingest(files, ignored, area_obj, month_range, bad_rows, encoding, geo_dir, config, progress):
    names = []
    for f in files:  # the same file given twice stays visible as two sources
        names.append(f.name if f.name not in names else f"{f.name} [loaded again #{names.count(f.name) + 1}]")
    bad: list[dict] = []
    tables = []
    file_info = []
    for i, src in enumerate(files):
        if progress:
            progress(src.name)
        try:
            data = src.read_bytes()
        except OSError as err:
            raise InputDataError(f"{src.name} cannot be read: {err}.") from None
        if encoding.lower().replace("-", "") not in ("utf8", "utf8sig"):
            data = _recode(data, src.name, encoding)
        t = _read_table(data, src, i, encoding, bad, bad_rows)
        del data
        tables.append(t)
        file_info.append({"file": src.name, "rows": t.num_rows, "month_in_name": src.month_from_name,
                          "force_in_name": src.force_from_name})
    malformed = [b for b in bad if "fields" in b]
    if malformed and bad_rows == "raise":
        first = malformed[0]
        raise InputDataError(
            f"{first['file']} line {first['line']}: {first['fields']} fields where {first['expected']} were "
            f"expected ({len(malformed)} malformed row(s) in all; first: {first['text']!r}). Re-download the "
            "file, or pass bad_rows='drop' to drop and count such rows.")
    warnings = [f"{b['file']}: extra column(s) {b['ignored_columns']} ignored" for b in bad if "ignored_columns" in b]
    if ignored:
        warnings.append(f"{len(ignored)} file(s) that are not street-level files were ignored "
                        f"(e.g. {Path(ignored[0]).name}).")

    table = pa.concat_tables(tables)
    del tables
    n = table.num_rows
    reason = np.zeros(n, dtype=np.int8)  # 0 = kept, else 1 + index into DROP_REASONS
    R = {r: k + 1 for k, r in enumerate(DROP_REASONS)}
    # rows with every field empty (Excel leaves ',,,,,,,,,,,' lines behind) are counted, never parsed
    empty = np.ones(n, dtype=bool)
    for c in POLICE_UK_COLUMNS:
        empty &= table.column(c).is_null().to_numpy(zero_copy_only=False)
    reason[empty] = R["empty_row"]

    # --- Month ------------------------------------------------------------------------
    month_vals, month_codes = _codes(table.column("Month"))
    parsed = []
    for v in month_vals:
        m = _MONTH.match(v or "")
        parsed.append(f"{m.group(1)}-{m.group(2)}" if m and 1 <= int(m.group(2)) <= 12 else None)
    bad_month = [k for k, p in enumerate(parsed) if p is None] + ([-1] if (month_codes[~empty] < 0).any() else [])
    if bad_month:
        mask = np.isin(month_codes, bad_month) & ~empty
        i = int(np.flatnonzero(mask)[0])
        if bad_rows == "raise":
            shown = month_vals[month_codes[i]] if month_codes[i] >= 0 else ""
            raise InputDataError(
                f"{_locate(table, i, names)}: Month '{shown}' is not in YYYY-MM form "
                f"({int(mask.sum())} row(s) in all). Excel often rewrites '2024-01' as 'Jan-24' or "
                "'01/01/2024': use the original police.uk file, or pass bad_rows='drop'.")
        reason[mask] = R["bad_month"]
    # monthly Period ordinals (months since 1970-01), computed per distinct value
    ord_vals = np.array([(int(p[:4]) - 1970) * 12 + int(p[5:]) - 1 if p else -1 for p in parsed] + [-1],
                        dtype=np.int64)
    month_ord = ord_vals[month_codes]

    # --- coordinates --------------------------------------------------------------------
    lon_vals, lon_codes = _codes(table.column("Longitude"))
    lat_vals, lat_codes = _codes(table.column("Latitude"))
    lon_num, lon = _parse_floats(lon_vals, "Longitude", lon_codes, table, names)
    lat_num, lat = _parse_floats(lat_vals, "Latitude", lat_codes, table, names)
    has_xy = ~np.isnan(lon) & ~np.isnan(lat)
    out_uk = has_xy & ((lon < UK_BOUNDS["lon"][0]) | (lon > UK_BOUNDS["lon"][1]) |
                       (lat < UK_BOUNDS["lat"][0]) | (lat > UK_BOUNDS["lat"][1]))
    if out_uk.any():
        i = int(np.flatnonzero(out_uk)[0])
        if bad_rows == "raise":
            swapped = (UK_BOUNDS["lat"][0] <= lon[i] <= UK_BOUNDS["lat"][1]
                       and UK_BOUNDS["lon"][0] <= lat[i] <= UK_BOUNDS["lon"][1])
            raise InputDataError(
                f"{_locate(table, i, names)}: coordinates (Longitude {lon[i]}, Latitude {lat[i]}) are outside "
                f"the UK ({int(out_uk.sum())} row(s) in all)"
                + ("; Longitude and Latitude look swapped" if swapped else "")
                + ". Fix the file, or pass bad_rows='drop' to drop and count such rows.")
        reason[out_uk & (reason == 0)] = R["coordinates_outside_uk"]
    has_xy &= ~out_uk

    if month_range is not None:
        lo, hi = (pd.Period(m, freq="M").ordinal for m in month_range)
        reason[(reason == 0) & ((month_ord < lo) | (month_ord > hi))] = R["outside_requested_months"]

    # --- LSOA and area, all on integer codes ---------------------------------------------
    ix = geography.lookup_index(geo_dir)
    lsoa_list, lad_list, lsoa_pos, lad_pos, lsoa_lad = ix.lsoa_codes, ix.lad_codes, ix.lsoa_pos, ix.lad_pos, ix.lsoa_lad
    prefix_lad = ix.prefix_lad

    code_vals, code_codes = _codes(table.column("LSOA code"))
    name_vals, name_codes = _codes(table.column("LSOA name"))
    code_lsoa = np.array([lsoa_pos.get(c, -1) for c in code_vals] + [-1], dtype=np.int32)
    name_lad = np.array([prefix_lad.get(geography.lsoa_name_prefix(v), -1) if v else -1 for v in name_vals] + [-1],
                        dtype=np.int32)
    lsoa = code_lsoa[code_codes]                   # index into lsoa_list, -1 unknown
    is2011 = lsoa >= 0
    # a 2011 code gives the district; for a 2021 code the LSOA name does ("Milton Keynes 035F")
    lad = np.where(is2011, lsoa_lad[np.maximum(lsoa, 0)], name_lad[name_codes]).astype(np.int32)
    has_lsoa = (code_codes >= 0) | (name_codes >= 0)
    methods = ["lsoa_code", "point_in_polygon", "nearest_lsoa", "lsoa_known_no_coordinates"]
    method = np.where(is2011, 0, -1).astype(np.int8)

    alive = reason == 0
    no_loc = alive & ~has_xy & ~has_lsoa
    reason[no_loc] = R["no_location"]
    alive &= ~no_loc
    area_idx = np.array([lad_pos[c] for c in area_obj.lad_codes], dtype=np.int32) if area_obj else None
    if area_idx is not None:  # district already known and outside the area: no geometry needed
        out_area = alive & (lad >= 0) & ~np.isin(lad, area_idx)
        reason[out_area] = R["outside_area"]
        alive &= ~out_area

    # project distinct coordinate pairs only (police.uk snaps records to a fixed set of points)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    proj = np.flatnonzero(alive & has_xy)
    if len(proj):
        width = len(lat_vals) + 1
        inv, uniq = pd.factorize(lon_codes[proj].astype(np.int64) * width + lat_codes[proj])
        ux, uy = _transformer().transform(lon_num[uniq // width], lat_num[uniq % width])
        x[proj] = np.asarray(ux)[inv]
        y[proj] = np.asarray(uy)[inv]

    need = alive & ~is2011 & has_xy
    snap_max = None
    placement_check = None
    if need.any():
        named = np.flatnonzero(need & (lad >= 0))
        unnamed = np.flatnonzero(need & (lad < 0))
        lads_needed = None if len(unnamed) else lad_list[np.unique(lad[named])]
        polys = _load_polygons(geo_dir, lads_needed, lsoa_pos, lsoa_lad)
        placement_check = _placement_check(x, y, lsoa, lad, alive & is2011 & has_xy, polys)
        for d in np.unique(lad[named]):  # district known from the name: place among its LSOAs, no cap
            sel = named[lad[named] == d]
            idx, dist = _place_points(x[sel], y[sel], polys, int(d), None)
            lsoa[sel] = idx
            method[sel] = np.where(dist > 0, 2, 1)
            snap_max = max(snap_max or 0.0, float(np.nanmax(dist)))
        if len(unnamed):  # district unknown: place among all LSOAs, district from the LSOA found
            idx, dist = _place_points(x[unnamed], y[unnamed], polys, None, MAX_SNAP_M)
            lsoa[unnamed] = idx
            ok = idx >= 0
            method[unnamed] = np.where(ok, np.where(dist > 0, 2, 1), -1)
            lad[unnamed] = np.where(ok, lsoa_lad[np.maximum(idx, 0)], -1)
            if ok.any():
                snap_max = max(snap_max or 0.0, float(np.nanmax(dist[ok])))
    method[alive & ~is2011 & ~has_xy & (lad >= 0)] = 3
    unknown_district = alive & (lad < 0) & ~has_xy
    reason[unknown_district] = R["unknown_district"]
    alive &= ~unknown_district
    unplaceable = alive & (lad < 0)
    reason[unplaceable] = R["unplaceable"]
    alive &= ~unplaceable
    if area_idx is not None:
        out_area = alive & ~np.isin(lad, area_idx)
        reason[out_area] = R["outside_area"]
        alive &= ~out_area

    # --- duplicates (on surviving rows) ------------------------------------------------
    dup = _duplicates(table, alive, month_ord, lon_codes, lat_codes)
    reason[dup] = R["duplicate"]
    alive &= ~dup

    # --- the tidy frame --------------------------------------------------------------------
    keep = np.flatnonzero(alive)
    ids = table.column("Crime ID")
    ids = ids if len(keep) == n else ids.filter(pa.array(alive))
    kl = lsoa[keep]
    used_lsoa = np.flatnonzero(np.bincount(kl[kl >= 0], minlength=len(lsoa_list)))
    lsoa_remap = np.full(len(lsoa_list) + 1, -1, dtype=np.int32)
    lsoa_remap[used_lsoa] = np.arange(len(used_lsoa), dtype=np.int32)
    used_lad = np.flatnonzero(np.bincount(lad[keep], minlength=len(lad_list)))
    lad_remap = np.full(len(lad_list), -1, dtype=np.int32)
    lad_remap[used_lad] = np.arange(len(used_lad), dtype=np.int32)
    encoded = {"LSOA code": (code_vals, code_codes), "LSOA name": (name_vals, name_codes)}

    def categorical(col: str) -> pd.Categorical:
        values, codes = encoded[col] if col in encoded else _codes(table.column(col))
        k = codes[keep]
        if len(keep) == n:
            return pd.Categorical.from_codes(k, categories=values)
        used = np.flatnonzero(np.bincount(k[k >= 0], minlength=len(values)))  # drop values of dropped rows only
        remap = np.full(len(values) + 1, -1, dtype=np.int32)
        remap[used] = np.arange(len(used), dtype=np.int32)
        return pd.Categorical.from_codes(remap[k], categories=[values[i] for i in used])

    df = pd.DataFrame({
        "crime_id": ids.to_pandas(),
        "month": pd.arrays.PeriodArray(month_ord[keep], dtype=pd.PeriodDtype("M")),
        "reported_by": categorical("Reported by"),
        "falls_within": categorical("Falls within"),
        "longitude": lon[keep], "latitude": lat[keep], "easting": x[keep], "northing": y[keep],
        "location": categorical("Location"),
        "lsoa_code": categorical("LSOA code"),
        "lsoa_name": categorical("LSOA name"),
        "lsoa11cd": pd.Categorical.from_codes(lsoa_remap[kl], categories=lsoa_list[used_lsoa]),
        "lsoa11_method": pd.Categorical.from_codes(method[keep], categories=methods),
        "lad17cd": pd.Categorical.from_codes(lad_remap[lad[keep]], categories=lad_list[used_lad]),
        "crime_type_raw": categorical("Crime type"),
        "outcome": categorical("Last outcome category"),
        "context": categorical("Context"),
        "source_file": pd.Categorical.from_codes(table.column("file_id").to_numpy()[keep], categories=names),
    })
    df["crime_type"], unknown_types = harmonise_crime_types(df["crime_type_raw"])
    df["is_asb"] = (df["crime_type"] == "Anti-social behaviour").to_numpy()
    if config is not None:
        inv = reporting_category_map(config.categories.map)
        df["category"] = df["crime_type"].map(inv).astype("category")
        unmapped = df.loc[df["category"].isna(), "crime_type"].value_counts()
        unmapped = unmapped[unmapped > 0]
        if len(unmapped):
            warnings.append("crime types in no reporting category (counted only in the total): "
                            + ", ".join(f"{k} ({v:,})" for k, v in unmapped.items()))

    quality = _quality(df, table, names, file_info, reason, month_ord, len(malformed), area_obj, month_range,
                       snap_max, unknown_types, warnings)
    quality.placement_check = placement_check
    if config is not None:
        slugs = {f["force_in_name"] for f in file_info if f["force_in_name"]}
        if slugs and config.force.lower() not in slugs:
            quality.warnings.append(f"the config names force '{config.force}', but the files are from "
                                    f"{', '.join(sorted(slugs))}: check data.police_uk and force in the config.")
    return df, quality


def _load_polygons(geo_dir, lads, lsoa_pos, lsoa_lad):
    """LSOA polygons for placing points: (geometries, lookup index, district index, description).

    Districts with a more detailed boundary file (``lsoa11_detail_<LAD>.parquet``, ONS
    generalised clipped) use it; the rest use the national super generalised boundaries.
    """
    import geopandas as gpd
    filters = None if lads is None else [("lad17cd", "in", sorted(lads))]
    path = geography._geo_path(geo_dir)
    polys = gpd.read_parquet(path, columns=["lsoa11cd", "lad17cd", "geometry"], filters=filters)
    detail = geography.detailed_lsoas(sorted(set(polys["lad17cd"])), geo_dir)
    if detail is not None:
        polys = pd.concat([polys[~polys["lad17cd"].isin(detail["lad17cd"])], detail], ignore_index=True)
    idx = np.array([lsoa_pos[c] for c in polys["lsoa11cd"].tolist()], dtype=np.int32)
    described = ("ONS generalised clipped boundaries for " + ", ".join(sorted(set(detail["lad17cd"])))
                 + "; super generalised elsewhere") if detail is not None else "ONS super generalised boundaries"
    return polys.geometry.values, idx, lsoa_lad[idx], described


def _placement_check(x, y, lsoa, lad, coded, polys, max_rows: int = 20_000) -> dict | None:
    """How often coordinates alone put a row in the LSOA police.uk published for it.

    Measured on rows that carry a 2011 code (up to ``max_rows``, evenly spaced) in the districts
    whose polygons are loaded: an estimate of the accuracy of point-in-polygon placement.
    """
    rows = np.flatnonzero(coded & np.isin(lad, np.unique(polys[2])))
    if not len(rows):
        return None
    rows = rows[:: max(1, len(rows) // max_rows)]
    agree = 0
    for d in np.unique(lad[rows]):
        sel = rows[lad[rows] == d]
        idx, _ = _place_points(x[sel], y[sel], polys, int(d), None)
        agree += int((idx == lsoa[sel]).sum())
    return {"rows_checked": int(len(rows)), "agreement": round(agree / len(rows), 4), "polygons": polys[3]}


def _place_points(x, y, polys, lad: int | None, max_snap: float | None) -> tuple[np.ndarray, np.ndarray]:
    """2011 LSOA index (-1 when none within ``max_snap`` metres) and distance (0 inside) per point."""
    import shapely
    geoms, idx, lads = polys[:3]
    if lad is not None:
        sel = lads == lad
        geoms, idx = geoms[sel], idx[sel]
    pts = shapely.points(x, y)
    tree = shapely.STRtree(geoms)
    out = np.full(len(pts), -1, dtype=np.int32)
    dist = np.full(len(pts), np.nan)
    pi, ti = tree.query(pts, predicate="intersects")
    first = np.unique(pi, return_index=True)[1]
    out[pi[first]] = idx[ti[first]]
    dist[pi[first]] = 0.0
    rest = np.flatnonzero(out < 0)
    if len(rest):
        ri, rt = tree.query_nearest(pts[rest], max_distance=max_snap, all_matches=False)
        if len(ri):
            out[rest[ri]] = idx[rt]
            dist[rest[ri]] = shapely.distance(pts[rest][ri], geoms[rt])
    return out, dist


def _month_label(ordinal: int) -> str:
    return str(pd.Period(ordinal=int(ordinal), freq="M")) if ordinal >= 0 else "unknown"


def _quality(df, table, names, file_info, reason, month_ord, n_malformed, area_obj, month_range, snap_max,
             unknown_types, warnings) -> IngestQuality:
    reasons = list(DROP_REASONS)
    drops = {r: int(c) for r, c in zip(reasons, np.bincount(reason, minlength=len(reasons) + 1)[1:])}
    drops["malformed_row"] = n_malformed
    drops_by_month: dict[str, dict[str, int]] = {}
    dropped = reason > 0
    if dropped.any():
        dm = pd.DataFrame({"m": month_ord[dropped], "r": reason[dropped]}).value_counts()
        for (m, r), k in dm.items():
            drops_by_month.setdefault(_month_label(m), {})[reasons[r - 1]] = int(k)
    if n_malformed:  # a malformed row has no trustworthy Month
        drops_by_month.setdefault("unknown", {})["malformed_row"] = n_malformed
    kept_by_month = {str(k): int(v) for k, v in df["month"].value_counts().sort_index().items()}
    present = sorted(kept_by_month)
    missing = []
    if present or month_range:
        first, last = month_range if month_range else (present[0], present[-1])
        span = [str(p) for p in pd.period_range(first, last, freq="M")]
        missing = [m for m in span if m not in kept_by_month]
    fids = table.column("file_id").to_numpy()
    for k, f in enumerate(file_info):
        if f["month_in_name"]:
            months_in = {_month_label(o) for o in np.unique(month_ord[fids == k])}
            if months_in and months_in != {f["month_in_name"]}:
                warnings.append(f"{f['file']}: file name says {f['month_in_name']} but rows have Month "
                                f"{sorted(months_in)}")
    if unknown_types:
        warnings.append(f"crime type(s) not known to police.uk kept unchanged: {unknown_types}")
    if len(df) == 0:
        what = f" for {area_obj.name}" if area_obj else ""
        when = f" in {month_range[0]}..{month_range[1]}" if month_range else ""
        seen = sorted({_month_label(o) for o in np.unique(month_ord) if o >= 0})
        raise EmptySelectionError(
            f"No police.uk records{what}{when}. The files hold months "
            f"{seen[0] + '..' + seen[-1] if seen else '(none)'}; rows dropped: "
            f"{ {k: v for k, v in drops.items() if v} }. Check the area, the months and the files.")
    raw_counts = df["crime_type_raw"].value_counts()
    pairs = df[["crime_type_raw", "crime_type"]].drop_duplicates()
    renamed = {str(r): str(h) for r, h in pairs.itertuples(index=False) if str(r) != str(h)}
    return IngestQuality(
        area=area_obj.name if area_obj else None,
        lad_codes=list(area_obj.lad_codes) if area_obj else [],
        rows_read=int(len(reason) + n_malformed), rows_kept=len(df), drops=drops, drops_by_month=drops_by_month,
        kept_by_month=kept_by_month, months_present=present, months_missing=missing,
        files=file_info, overlapping_files=_overlaps(file_info),
        geocoded_share=float(df["easting"].notna().mean()),
        lsoa11_assignment={str(k): int(v) for k, v in df["lsoa11_method"].value_counts().items() if v},
        max_snap_distance_m=None if snap_max is None else round(snap_max, 1),
        crime_types={str(k): int(v) for k, v in raw_counts[raw_counts > 0].items()},
        renamed_crime_types=renamed, unknown_crime_types=unknown_types,
        series_breaks=series_breaks(raw_counts[raw_counts > 0].index, present[0], present[-1]),
        forces=sorted(str(v) for v in df["reported_by"].dropna().unique()),
        warnings=warnings,
    )


def _crime_id_keys(col: pa.ChunkedArray) -> np.ndarray:
    """Integer key per Crime ID, -1 for none (ASB). Equal IDs get equal keys.

    police.uk Crime IDs are 64 hex characters; for those the key is a 64-bit hash of the
    first 32 characters read straight from the Arrow buffer (fast), and any collision is
    resolved by comparing full strings. Other IDs fall back to pandas factorize.
    """
    arr = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    n = len(arr)
    if n == 0:
        return np.array([], dtype=np.int64)
    valid = arr.is_valid().to_numpy(zero_copy_only=False)
    if arr.type == pa.string() and valid.any():
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + n + 1]
        starts = offsets[:-1][valid]
        if (np.diff(offsets)[valid] == 64).all():
            # valid IDs lie back to back in the data buffer: view them as an (n_valid, 8) uint64 matrix
            data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
            words = data[offsets[0]:offsets[0] + 64 * len(starts)].view(np.uint64).reshape(-1, 8)
            h = words[:, 0] ^ (words[:, 1] * np.uint64(0x9E3779B97F4A7C15))
            h ^= (words[:, 2] * np.uint64(0xC2B2AE3D27D4EB4F)) ^ (words[:, 3] * np.uint64(0x165667B19E3779F9))
            keys = np.full(n, -1, dtype=np.int64)
            keys[valid] = (h >> np.uint64(1)).astype(np.int64)
            # verify: rows sharing a key must share the full ID, else fall back
            rows = np.flatnonzero(valid)
            shared = pd.Series(keys[rows]).duplicated(keep=False).to_numpy()
            if shared.any():
                sub = rows[shared]
                ids = arr.take(pa.array(sub)).to_pylist()
                seen: dict[int, str] = {}
                for k, i in zip(keys[sub].tolist(), ids):
                    if seen.setdefault(k, i) != i:
                        return pd.factorize(col.to_pandas(), use_na_sentinel=True)[0].astype(np.int64)
            return keys
    return pd.factorize(col.to_pandas(), use_na_sentinel=True)[0].astype(np.int64)


def _duplicates(table: pa.Table, alive: np.ndarray, month_ord, lon_codes, lat_codes) -> np.ndarray:
    """Rows (among ``alive``) that repeat a record already loaded.

    Crimes: a Crime ID seen before (the first file wins). ASB rows have no ID, and identical
    ASB rows in one file are separate incidents; so across files a row is kept as many times
    as the file holding it most often has it (a repeated or overlapping file adds nothing).
    """
    n = table.num_rows
    dup = np.zeros(n, dtype=bool)
    id_codes = _crime_id_keys(table.column("Crime ID"))
    crime = alive & (id_codes >= 0)
    if crime.any():
        rows = np.flatnonzero(crime)
        dup[rows] = pd.Series(id_codes[rows]).duplicated(keep="first").to_numpy()
    asb = np.flatnonzero(alive & (id_codes < 0))
    fids = table.column("file_id").to_numpy()
    if len(asb) and len(np.unique(fids[asb])) > 1:
        m = month_ord[asb]
        files_per_month = pd.Series(fids[asb]).groupby(m).nunique()
        multi = np.isin(m, files_per_month.index[files_per_month > 1].to_numpy())
        if multi.any():  # only months that more than one file covers can hold cross-file duplicates
            rows = asb[multi]
            key = {"m": month_ord[rows], "x": lon_codes[rows], "y": lat_codes[rows]}
            for col in ("Reported by", "Location", "LSOA code", "Crime type"):
                key[col] = _codes(table.column(col))[1][rows]
            sub = pd.DataFrame(key)
            cols = list(sub.columns)
            sub["f"] = fids[rows]
            sub["occ"] = sub.groupby(cols + ["f"]).cumcount()
            dup[rows] = sub.duplicated(subset=cols + ["occ"], keep="first").to_numpy()
    return dup


def _overlaps(file_info: list[dict]) -> list[dict]:
    """(month, force) pairs that more than one file covers, e.g. a month downloaded twice."""
    by_key: dict[tuple[str, str], list[str]] = {}
    for f in file_info:
        if f["month_in_name"]:
            by_key.setdefault((f["month_in_name"], f["force_in_name"]), []).append(f["file"])
    return [{"month": m, "force": force, "files": fs} for (m, force), fs in sorted(by_key.items()) if len(fs) > 1]
