"""Nothing is hard-wired to Milton Keynes: the whole assessment for another partnership (Oxford, in
the same Thames Valley files) from a copy of the config with the area, data and year changed."""
from __future__ import annotations

import pytest
import yaml

from safermk_analysis import report
from safermk_analysis.config import DEFAULT_CONFIG

from .conftest import SHARED, needs_shared


@pytest.mark.slow
@needs_shared
def test_full_assessment_for_another_partnership(tmp_path):
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    raw.update(partnership="Oxford Community Safety Partnership (test)", area={"name": "Oxford",
               "lad_codes": ["E07000178"]}, places=[], priorities=[])
    raw["data"] = {"police_uk": str(SHARED / "police_uk" / "thames-valley"),
                   "geography": str(DEFAULT_CONFIG.parent.parent / "geography")}
    raw["reporting"].update(year_type="calendar", allow_partial_periods=True)  # 2025 lacks July for Oxford
    cfg = tmp_path / "oxford.yaml"
    cfg.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    result = report.run_assessment(cfg, 2025, tmp_path / "out", log=lambda s: None)
    assert result.ok, [s.error for s in result.sections]
    pages = {p.name: p.read_text(encoding="utf-8") for p in result.out_dir.glob("*.html")}
    assert len(pages) == 7
    for name, html in pages.items():
        assert "Milton Keynes" not in html and "SaferMK" not in html, name   # nothing of MK leaks in
        assert "Traceback" not in html, name
    assert "Oxford" in pages["02_crime_trends.html"]
    # 2025 has July missing: the board is told the comparison uses like-for-like months
    assert "Like-for-like" in pages["02_crime_trends.html"] and "2025-07" in pages["01_data_quality.html"]
    assert "No priorities are set in the configuration" in pages["05_context_priorities.html"]
