"""The papermill batch: HTML written offline, failures reported, reports never overwritten silently."""
from __future__ import annotations

import re

import nbformat
import pytest

from safermk_analysis import cli, report
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def _remote_sources(html: str) -> list[str]:
    return re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(https?://[^"]+)"', html)


def test_full_report_on_bundled_data(bundled_report):
    result = bundled_report
    assert result.ok, [s.error for s in result.sections]
    assert result.period_label == "2024/25"
    out = result.out_dir
    html = (out / "01_data_quality.html").read_text(encoding="utf-8")
    assert "Data quality and coverage" in html and "Key findings" in html
    assert "2024/25 (Apr 2024 to Mar 2025) has all 12 months" in html
    assert "SaferMK" in html and "Public edition" in html
    assert "<pre" not in html or "cfg = config.load_config" not in html  # code is hidden
    assert 'data:image/png;base64' in html  # the chart is embedded
    assert _remote_sources(html) == []
    assert (out / "01_data_quality.html").stat().st_size < 10 * 1024 * 1024
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="01_data_quality.html"' in index and _remote_sources(index) == []
    trends_html = (out / "02_crime_trends.html").read_text(encoding="utf-8")
    for text in ("The period against a year earlier", "Statistical verdict", "Holm step-down", "Seasonal Mann-Kendall",
                 "statistical process control", "per 1,000 households", "Census 2021 usual residents (ONS)"):
        assert text in trends_html, text
    assert trends_html.count("data:image/png;base64") >= 2 and _remote_sources(trends_html) == []
    assert "Traceback" not in trends_html and "Warning" not in trends_html
    hot_html = (out / "04_hotspots.html").read_text(encoding="utf-8")
    for text in ("Key findings", "crime hot spots at 90% confidence", "Emerging hot spots", "Generalised Gini",
                 "Benjamini-Hochberg", "rule of thumb"):
        assert text in hot_html, text
    from tests.test_concentration_maps import _remote_sources as parsed_remote
    assert parsed_remote(hot_html) == [] and "srcdoc=" in hot_html  # the Leaflet map travels inside the page
    assert (out / "04_hotspots.html").stat().st_size < 10 * 1024 * 1024
    ctx = (out / "05_context_priorities.html").read_text(encoding="utf-8")
    for text in ("Is crime rising faster than the population?", "ecological fallacy", "national IMD 2019 decile",
                 "Prioritisation matrix", "No partner data (council, fire service, hospital ...) is included",
                 # the Milton Keynes priorities: measures, hot spots, partners' notes with source and age
                 "Tackling domestic abuse", "Road safety", "no data source configured", "What partners say",
                 "are hot spots of Violence and sexual offences", "Dated 2011, more than 24 months",
                 "Priority hot spots", "Residents and households by MSOA (2011)", "residents (mid-2015 estimate)",
                 "Recorded crime per 1,000 residents in each complete year"):
        assert text in ctx, text
    # three priorities have police.uk measures, each with a hot spot map and a finding naming wards
    assert ctx.count("hot spot cells by ward") == 3 and ctx.count("data:image/png;base64") >= 4
    asb = (out / "03_asb.html").read_text(encoding="utf-8")
    assert "ASB: 2,347 in 2023/24, 2,701 in 2024/25" in asb and "No partner ASB data (such as council-recorded" in asb
    summary_html = (out / "06_summary.html").read_text(encoding="utf-8")
    assert "'Tackling domestic abuse': no measure has a data source yet" in summary_html
    for text in ("Executive summary", "Crime overview and trends", "Anti-social behaviour", "Recommendations to discuss",
                 "Methods and data annex", "Random seed"):
        assert text in summary_html, text
    assert "Sections without recorded findings" not in summary_html  # every section recorded its findings
    assert len(list(out.glob("*.html"))) == 7
    for html_file in out.glob("*.html"):
        text = html_file.read_text(encoding="utf-8")
        assert parsed_remote(text) == [], html_file.name
        assert "No description has been provided" not in text, html_file.name  # every image has alt text
    assert 'alt="Chart or map: Hot spots' in hot_html


def _notebook(path, source):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell("config_path = None\nyear = None\naudience = None")
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("## A section"), p, nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)


def _only_notebook(tmp_path, monkeypatch, source: str, title: str = "Only") -> None:
    """Make the batch run a single one-cell notebook (fast), written into tmp_path."""
    nbdir = tmp_path / "nbs"
    nbdir.mkdir(exist_ok=True)
    _notebook(nbdir / "a.ipynb", source)
    monkeypatch.setattr(report, "NOTEBOOK_DIR", nbdir)
    monkeypatch.setattr(report, "NOTEBOOKS", [("a.ipynb", title)])


def test_failed_notebook_is_reported_and_others_still_run(tmp_path):
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    _notebook(nbdir / "a.ipynb", "raise ValueError('planted failure')")
    _notebook(nbdir / "b.ipynb", "print('fine')")
    sections = [("a.ipynb", "Failing"), ("b.ipynb", "Working")]
    result = report.run_assessment(None, 2023, tmp_path / "out", notebooks=sections, notebook_dir=nbdir,
                                   log=lambda s: None)
    assert not result.ok
    a, b = result.sections
    assert "ValueError: planted failure" in a.error and a.html is not None and a.html.exists()
    assert b.ok and b.html.exists()
    assert result.period_label == "2023/24"
    # a second run never overwrites the first
    again = report.run_assessment(None, 2023, tmp_path / "out", notebooks=sections[1:], notebook_dir=nbdir,
                                  log=lambda s: None)
    assert again.out_dir != result.out_dir and again.out_dir.name == "2023-24-run2"
    forced = report.run_assessment(None, 2023, tmp_path / "out", notebooks=sections[1:], notebook_dir=nbdir,
                                   overwrite=True, log=lambda s: None)
    assert forced.out_dir == result.out_dir


def test_cli_exit_codes(tmp_path, monkeypatch, capsys):
    _only_notebook(tmp_path, monkeypatch, "raise RuntimeError('boom')", "Failing")
    assert cli.main(["run", "--year", "2024", "--out", str(tmp_path / "o")]) == 1
    assert "a.ipynb" in capsys.readouterr().err
    assert cli.main(["run", "--config", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["run", "--year", "24"])


def test_cli_year_defaults_to_the_config_and_refuses_years_without_data(tmp_path, monkeypatch, capsys):
    import yaml
    from safermk_analysis.config import DEFAULT_CONFIG, load_config
    _only_notebook(tmp_path, monkeypatch, "print('fine')")
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text())
    base = load_config()
    raw["data"] = {"police_uk": str(base.data.police_uk), "geography": str(base.data.geography)}
    raw["reporting"]["year"] = 2023
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump(raw))
    assert cli.main(["run", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "milton-keynes" / "2023-24" / "a.html").exists()
    assert cli.main(["run", "--config", str(cfg), "--year", "2030", "--out", str(tmp_path / "o")]) == 2
    assert "No police.uk data for 2030/31" in capsys.readouterr().err


def test_overwrite_leaves_nothing_of_the_earlier_run(tmp_path, monkeypatch):
    from safermk_analysis import summary
    _only_notebook(tmp_path, monkeypatch, "print('fine')")
    first = report.run_assessment(None, 2024, tmp_path / "o", log=lambda s: None)
    (first.out_dir / "99_old.html").write_text("stale")
    summary.record(first.out_dir, "Anti-social behaviour", ["STALE restricted sentence"])
    again = report.run_assessment(None, 2024, tmp_path / "o", overwrite=True, log=lambda s: None)
    assert again.out_dir == first.out_dir
    assert not (again.out_dir / "99_old.html").exists() and summary.collect(again.out_dir) == {}


def test_cli_several_years(tmp_path, monkeypatch, capsys):
    _only_notebook(tmp_path, monkeypatch, "print('fine')")
    assert cli.main(["run", "--years", "2023", "2024", "--out", str(tmp_path / "o")]) == 0
    assert sorted(p.name for p in (tmp_path / "o" / "milton-keynes").iterdir()) == ["2023-24", "2024-25"]
    # a year without data is reported and the other years still run; exit code 2
    assert cli.main(["run", "--years", "2030", "2024", "--out", str(tmp_path / "p")]) == 2
    assert (tmp_path / "p" / "milton-keynes" / "2024-25" / "a.html").exists()
    assert "2030/31" in capsys.readouterr().err


def test_cli_data_summary(capsys):
    assert cli.main(["data"]) == 0
    out = capsys.readouterr().out
    assert "kept" in out and "no_location" in out


def test_notebooks_are_committed_clean():
    for nb_path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), nb_path
        for c in nb.cells:
            if c.cell_type == "code":
                assert not c.outputs and c.execution_count is None, f"{nb_path.name}: clear outputs before committing"
                assert c.source.count("\n") < 25, f"{nb_path.name}: long cell; move logic to the library"
