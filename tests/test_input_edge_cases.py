"""Edge cases found in review: quotes, blank lines, litter files, name-only LSOAs, labels, line numbers."""
from __future__ import annotations

import zipfile

import pytest

from safermk_analysis.config import load_config
from safermk_analysis.errors import InputDataError
from safermk_analysis.ingest import load_police_uk

from .conftest import HEADER, row, write_police_csv


def _good(k=1, **kw):
    return row(f"{k:064x}", **kw)


def _lines(*rows):
    return "\n".join([",".join(HEADER)] + [",".join(r) for r in rows]) + "\n"


def test_unclosed_quote_is_an_error_in_both_modes(tmp_path):
    f = tmp_path / "x.csv"
    text = _lines(_good(1), _good(2)).replace("On or near Test Street", '"On or near The Mall', 1)
    text += "".join(",".join(_good(k)) + "\n" for k in range(3, 6))
    f.write_text(text)
    for mode in ("raise", "drop"):
        with pytest.raises(InputDataError, match=r"x.csv line 2: a quote .* never closed"):
            load_police_uk(f, bad_rows=mode, cache=False)


def test_line_numbers_survive_blank_lines(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text(_lines(_good(1)) + "\n\n" + ",".join(_good(2, month="Feb-24")) + "\n")
    with pytest.raises(InputDataError, match=r"x.csv line 5: Month 'Feb-24'"):
        load_police_uk(f, cache=False)


def test_all_rows_malformed(tmp_path):
    f = write_police_csv(tmp_path / "x.csv", [_good(1) + ["x"], _good(2) + ["y"]])
    with pytest.raises(InputDataError, match="13 fields where 12 were expected"):
        load_police_uk(f, cache=False)
    g = write_police_csv(tmp_path / "y.csv", [_good(3)])
    df = load_police_uk([f, g], area="E06000042", bad_rows="drop", cache=False)
    q = df.attrs["quality"]
    assert len(df) == 1 and q.drops["malformed_row"] == 2 and q.rows_read == 3
    assert q.drops_by_month["unknown"] == {"malformed_row": 2}
    assert "month unreadable" in set(q.monthly_table()["month"])


def test_header_with_spaces_and_blank_coordinate(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text(", ".join(HEADER) + "\n" + ",".join(_good(1)) + "\n" + ",".join(_good(2, lon=" ", lat=" ")) + "\n")
    df = load_police_uk(f, area="E06000042", cache=False)
    assert len(df) == 2 and df["easting"].isna().sum() == 1


def test_text_na_is_not_a_null(tmp_path):
    f = write_police_csv(tmp_path / "x.csv", [_good(1, location="NA")])
    df = load_police_uk(f, area="E06000042", cache=False)
    assert df["location"].iloc[0] == "NA"


def test_rows_of_commas_are_counted_not_misread(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text(_lines(_good(1), [""] * 12, [""] * 12))
    df = load_police_uk(f, area="E06000042", cache=False)
    q = df.attrs["quality"]
    assert len(df) == 1 and q.drops["empty_row"] == 2 and q.drops["bad_month"] == 0


def test_mac_litter_in_zip_and_folder_is_ignored(tmp_path):
    good = write_police_csv(tmp_path / "src" / "2024-01-thames-valley-street.csv", [_good(1)])
    z = tmp_path / "dl.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(good, "2024-01/2024-01-thames-valley-street.csv")
        zf.writestr("__MACOSX/2024-01/._2024-01-thames-valley-street.csv", b"\x00\x05\x16\x07binary")
    assert len(load_police_uk(z, area="E06000042", cache=False)) == 1
    (tmp_path / "src" / "._2024-01-thames-valley-street.csv").write_bytes(b"\x00\x05\x16\x07")
    assert len(load_police_uk(tmp_path / "src", area="E06000042", cache=False)) == 1


def test_glob_skips_outcomes_files(tmp_path):
    write_police_csv(tmp_path / "2024-01" / "2024-01-thames-valley-street.csv", [_good(1)])
    (tmp_path / "2024-01" / "2024-01-thames-valley-outcomes.csv").write_text("Crime ID,Month\n")
    df = load_police_uk(str(tmp_path / "**" / "*.csv"), area="E06000042", cache=False)
    assert len(df) == 1 and any("not street-level" in w for w in df.attrs["quality"].warnings)


def test_lsoa_name_without_code_or_coordinates_is_kept(tmp_path):
    rows = [_good(1, lon="", lat="", code="", name="Milton Keynes 001A"),
            _good(2, lon="", lat="", code="E01099990", name="Buckinghamshire 001A"),
            _good(3, lon="", lat="", code="", name="")]
    df = load_police_uk(write_police_csv(tmp_path / "x.csv", rows), area="E06000042", cache=False)
    q = df.attrs["quality"]
    assert len(df) == 1 and df["lsoa11_method"].iloc[0] == "lsoa_known_no_coordinates"
    assert q.drops["unknown_district"] == 1 and q.drops["no_location"] == 1 and q.drops["unplaceable"] == 0


def test_area_label_follows_the_area_actually_loaded(tmp_path):
    rows = [_good(1), _good(2, lon="-0.9730", lat="51.4550", code="E01016425", name="Reading 001A")]
    f = write_police_csv(tmp_path / "x.csv", rows)
    cfg = load_config()
    assert load_police_uk(f, config=cfg).attrs["quality"].area == "Milton Keynes"
    other = load_police_uk(f, area="E06000038", config=cfg)
    assert other.attrs["quality"].area == "Reading" and len(other) == 1


def test_missing_months_cover_the_requested_range(tmp_path):
    f = write_police_csv(tmp_path / "x.csv", [_good(1, month="2024-06"), _good(2, month="2024-07")])
    q = load_police_uk(f, area="E06000042", months=("2024-04", "2024-08"), cache=False).attrs["quality"]
    assert q.months_missing == ["2024-04", "2024-05", "2024-08"]


def test_excel_unicode_text_and_old_xls(tmp_path):
    f = tmp_path / "x.csv"
    f.write_bytes(_lines(_good(1)).encode("utf-16"))
    with pytest.raises(InputDataError, match="UTF-16"):
        load_police_uk(f, cache=False)
    f.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    with pytest.raises(InputDataError, match="Excel workbook"):
        load_police_uk(f, cache=False)


def test_placement_accuracy_is_measured_on_bundled_data():
    from .conftest import BUNDLED_POLICE
    q = load_police_uk(BUNDLED_POLICE, area="E06000042").attrs["quality"]
    pc = q.placement_check
    assert pc["rows_checked"] > 10_000 and 0.95 < pc["agreement"] <= 1.0
    assert "generalised clipped" in pc["polygons"]


def test_config_catches_duplicate_keys_and_typos(tmp_path):
    from safermk_analysis.errors import ConfigError
    p = tmp_path / "c.yaml"
    p.write_text("partnership: A\npartnership: B\n")
    with pytest.raises(ConfigError, match="given twice"):
        load_config(p)
    with pytest.raises(ConfigError, match="did you mean 'Anti-social behaviour'"):
        load_config(overrides={"categories.exclude_from_total": ["Anti social behaviour"]})
    with pytest.raises(ConfigError, match=r"area.lad_codes.0"):
        load_config(overrides={"area.lad_codes": ["E0600042"]})
    with pytest.raises(ConfigError, match="with overrides"):
        load_config(overrides={"reporting.year": 24})


def test_force_mismatch_is_warned(tmp_path):
    f = write_police_csv(tmp_path / "2024-01-west-midlands-street.csv", [_good(1)])
    q = load_police_uk(f, config=load_config(), cache=False).attrs["quality"]
    assert any("west-midlands" in w for w in q.warnings)
