"""Typed config: defaults, overrides, and clear errors for unknown keys and wrong types."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from safermk_analysis.config import DEFAULT_CONFIG, config_from_dict, load_config
from safermk_analysis.errors import ConfigError


def _raw():
    return yaml.safe_load(DEFAULT_CONFIG.read_text())


def _write(tmp_path, data) -> Path:
    p = tmp_path / "cfg.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


def test_default_config_loads_and_resolves_paths():
    cfg = load_config()
    assert cfg.area.lad_codes == ["E06000042"] and cfg.force == "thames-valley"
    assert cfg.reporting.year_type == "financial" and cfg.reporting.year == "latest"
    assert cfg.data.police_uk.is_absolute() and cfg.data.police_uk.is_dir()
    assert (cfg.data.geography / "lsoa11_england_wales.parquet").is_file()
    assert cfg.thresholds.change_band_pct == 10 and cfg.thresholds.suppression_threshold == 4


def test_papermill_style_overrides():
    cfg = load_config(overrides={"reporting.year": 2023, "audience": "restricted", "seed": None})
    assert cfg.reporting.year == 2023 and cfg.audience == "restricted"
    assert cfg.seed == load_config().seed  # None means "not given"


def test_unknown_key_named(tmp_path):
    data = _raw()
    data["reporting"]["yeer"] = 2024
    with pytest.raises(ConfigError, match=r"reporting\.yeer: unknown key"):
        load_config(_write(tmp_path, data))


def test_wrong_type_named(tmp_path):
    data = _raw()
    data["thresholds"]["confidence"] = "very"
    with pytest.raises(ConfigError, match=r"thresholds\.confidence: .*valid number.*'very'"):
        load_config(_write(tmp_path, data))
    data = _raw()
    data["reporting"]["year_type"] = "academic"
    with pytest.raises(ConfigError, match=r"reporting\.year_type"):
        load_config(_write(tmp_path, data))


def test_missing_required_key(tmp_path):
    data = _raw()
    del data["area"]
    with pytest.raises(ConfigError, match=r"area: required key is missing"):
        load_config(_write(tmp_path, data))


def test_unknown_crime_type_in_mapping():
    data = _raw()
    data["categories"]["map"]["Theft"] = ["Other theft", "Bicycle thefts"]
    with pytest.raises(ConfigError, match="'Bicycle thefts'.*did you mean 'Bicycle theft'"):
        config_from_dict(data)


def test_crime_type_in_two_categories():
    data = _raw()
    data["categories"]["map"]["Acquisitive"] = ["Burglary"]
    with pytest.raises(ConfigError, match="'Burglary' is listed under both"):
        config_from_dict(data)


def test_priority_measure_must_be_a_category():
    data = _raw()
    data["priorities"] = [{"name": "Knife crime", "measures": [{"category": "Knives"}], "notes": ["Partners report more knife carrying."]}]
    with pytest.raises(ConfigError, match="unknown category 'Knives'"):
        config_from_dict(data)


def test_missing_file_and_non_mapping(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "none.yaml")
    p = tmp_path / "list.yaml"
    p.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_config(p)
    p.write_text("area: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(p)
