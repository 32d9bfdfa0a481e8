"""Each bad input gets a clear error naming the file, line or value and what to do."""
from __future__ import annotations

import pytest

from safermk_analysis.errors import InputDataError
from safermk_analysis.ingest import load_police_uk

from .conftest import HEADER, row, write_police_csv


def _good(k=1, **kw):
    return row(f"{k:064x}", **kw)


def test_missing_path(tmp_path):
    with pytest.raises(InputDataError, match=r"does not exist.*folder you unzipped"):
        load_police_uk(tmp_path / "nope", cache=False)


def test_folder_without_street_files(tmp_path):
    (tmp_path / "2024-01-thames-valley-outcomes.csv").write_text("x\n")
    with pytest.raises(InputDataError, match=r"No police.uk street-level files.*outcomes"):
        load_police_uk(tmp_path, cache=False)


def test_glob_matching_nothing(tmp_path):
    with pytest.raises(InputDataError, match="matches no file"):
        load_police_uk(str(tmp_path / "*.csv"), cache=False)


def test_empty_file(tmp_path):
    f = tmp_path / "2024-01-thames-valley-street.csv"
    f.write_bytes(b"")
    with pytest.raises(InputDataError, match=r"2024-01-thames-valley-street.csv is empty"):
        load_police_uk(f, cache=False)


def test_header_only(tmp_path):
    f = write_police_csv(tmp_path / "2024-01-thames-valley-street.csv", [])
    with pytest.raises(InputDataError, match="header but no data rows"):
        load_police_uk(f, cache=False)


def test_missing_columns_named(tmp_path):
    header = [h for h in HEADER if h != "Crime type"]
    f = write_police_csv(tmp_path / "x.csv", [r[:9] + r[10:] for r in [_good()]], header=header)
    with pytest.raises(InputDataError, match=r"x.csv is not a police.uk street-level file: missing column\(s\) \['Crime type'\]"):
        load_police_uk(f, cache=False)


def test_renamed_columns_hinted(tmp_path):
    header = [h.lower().replace(" ", "_") for h in HEADER]
    f = write_police_csv(tmp_path / "x.csv", [_good()], header=header)
    with pytest.raises(InputDataError, match="'crime_id' should be 'Crime ID'"):
        load_police_uk(f, cache=False)


def test_extra_column_is_reported_not_fatal(tmp_path):
    f = write_police_csv(tmp_path / "x.csv", [_good() + ["note"]], header=HEADER + ["Analyst note"])
    df = load_police_uk(f, area="E06000042", cache=False)
    assert len(df) == 1 and any("Analyst note" in w for w in df.attrs["quality"].warnings)


def test_semicolon_delimited(tmp_path):
    f = write_police_csv(tmp_path / "x.csv", [_good()], delimiter=";")
    with pytest.raises(InputDataError, match=r"uses ';' between columns"):
        load_police_uk(f, cache=False)


def test_excel_workbook_saved_as_csv(tmp_path):
    f = tmp_path / "2024-01-thames-valley-street.csv"
    f.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(InputDataError, match="Excel workbook"):
        load_police_uk(f, cache=False)


def test_excel_utf8_bom_is_accepted(tmp_path):
    f = tmp_path / "x.csv"
    write_police_csv(f, [_good()], encoding="utf-8-sig")
    assert len(load_police_uk(f, area="E06000042", cache=False)) == 1


def test_non_utf8_bytes_named_with_line(tmp_path):
    f = write_police_csv(tmp_path / "x.csv", [_good(1), _good(2, location="On or near Caf\u00e9 Street")],
                         encoding="cp1252")
    with pytest.raises(InputDataError, match=r"x.csv line 3: .*not UTF-8.*encoding='cp1252'"):
        load_police_uk(f, cache=False)
    df = load_police_uk(f, area="E06000042", encoding="cp1252", cache=False)
    assert "On or near Caf\u00e9 Street" in set(df["location"])


@pytest.mark.parametrize("bad_row,message,reason", [
    (_good(2, month="Jan-24"), r"x.csv line 3: Month 'Jan-24' is not in YYYY-MM form.*Excel", "bad_month"),
    (_good(2) + ["surplus"], r"x.csv line 3: 13 fields where 12 were expected", "malformed_row"),
])
def test_bad_row_raises_with_file_and_line_or_is_dropped_and_counted(tmp_path, bad_row, message, reason):
    f = write_police_csv(tmp_path / "x.csv", [_good(1), bad_row, _good(3)])
    with pytest.raises(InputDataError, match=message):
        load_police_uk(f, cache=False)
    df = load_police_uk(f, area="E06000042", bad_rows="drop", cache=False)
    q = df.attrs["quality"]
    assert len(df) == 2 and q.drops[reason] == 1 and q.rows_read == 3


def test_coordinates_outside_uk(tmp_path):
    f = write_police_csv(tmp_path / "x.csv", [_good(1), _good(2, lon="52.04", lat="-0.75")])
    with pytest.raises(InputDataError, match=r"x.csv line 3: coordinates .* outside the UK.*look swapped"):
        load_police_uk(f, cache=False)
    df = load_police_uk(f, area="E06000042", bad_rows="drop", cache=False)
    assert len(df) == 1 and df.attrs["quality"].drops["coordinates_outside_uk"] == 1


def test_text_in_coordinates(tmp_path):
    f = write_police_csv(tmp_path / "x.csv", [_good(1), _good(2, lon="west-ish")])
    with pytest.raises(InputDataError, match=r"x.csv line 3: Longitude 'west-ish' is not a number"):
        load_police_uk(f, cache=False)


def test_bad_months_argument(tmp_path):
    f = write_police_csv(tmp_path / "x.csv", [_good()])
    with pytest.raises(InputDataError, match="is not a \\(first, last\\) pair"):
        load_police_uk(f, months=("April", "March"), cache=False)
    with pytest.raises(InputDataError, match="is after"):
        load_police_uk(f, months=("2025-01", "2024-01"), cache=False)


def test_damaged_gzip(tmp_path):
    f = tmp_path / "2024-01-thames-valley-street.csv.gz"
    f.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(InputDataError, match="gzip file is damaged"):
        load_police_uk(f, cache=False)
