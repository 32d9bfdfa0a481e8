"""The shared start of every notebook, and the summary's findings store."""
from __future__ import annotations

from safermk_analysis import summary
from safermk_analysis.assessment import load_assessment
from safermk_analysis.config import load_config


def test_load_assessment_defaults_and_overrides():
    a = load_assessment()
    assert a.year.label == "2024/25" and a.period.label == "2024/25" and a.before.label == "2023/24"
    assert a.public and a.threshold == 4 and len(a.lsoas) == 152 and len(a.wards) == 23
    assert a.in_total.sum() == (~a.records["is_asb"]).sum()  # the total is every crime type except ASB
    assert a.in_months(a.year).sum() == a.quality.kept_by_month["2024-04"] + sum(
        a.quality.kept_by_month[str(m)] for m in a.year.months[1:])
    b = load_assessment(year=2023, audience="restricted", suppression_threshold=9, seed=7)
    assert b.year.label == "2023/24" and not b.public and b.threshold == 9 and b.config.seed == 7


def test_findings_are_recorded_and_summarised(tmp_path):
    summary.record(tmp_path, "Trends", ["Shoplifting rose significantly.", "Burglary fell."])
    summary.record(tmp_path, "Hot spots", ["21 cells are hot spots."])
    summary.record(None, "Ignored", ["not kept without a folder"])
    found = summary.collect(tmp_path)
    assert found == {"Trends": ["Shoplifting rose significantly.", "Burglary fell."],
                     "Hot spots": ["21 cells are hot spots."]}
    text = summary.executive_summary(found, ["Trends", "Hot spots", "Context"], per_section=1)
    assert "**Trends**" in text and "Burglary" not in text and "Context" in text.split("without recorded findings")[1]
    recs = summary.recommendations(load_config(overrides={"priorities": []}))
    assert any("Set the partnership's priorities" in r for r in recs)


def test_findings_survive_sections_writing_at_once(tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: summary.record(tmp_path, f"Section {k}", [f"line {k}"]), range(20)))
    found = summary.collect(tmp_path)
    assert len(found) == 20 and found["Section 7"] == ["line 7"]
    summary.clear(tmp_path)
    assert summary.collect(tmp_path) == {}
