"""Run the assessment notebooks with papermill and render them to self-contained HTML.

One run = one area and one assessment year: every notebook in ``NOTEBOOKS`` is executed
with the same parameters into ``<out>/<area>/<period>/``, rendered without code through
the offline ``board`` template, and linked from an ``index.html``. A failing notebook is
reported with the failing cell's error, its partial HTML is still written, and the other
notebooks still run.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from .config import REPO_ROOT, load_config
from .errors import EmptySelectionError, SaferMKError
from .ingest import load_police_uk
from .periods import assessment_period

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
#: The report's sections in reading order: (notebook file, title).
NOTEBOOKS: list[tuple[str, str]] = [
    ("01_data_quality.ipynb", "Data quality and coverage"),
    ("02_crime_trends.ipynb", "Crime overview and trends"),
    ("03_asb.ipynb", "Anti-social behaviour"),
    ("04_hotspots.ipynb", "Where crime concentrates: hot spots"),
    ("05_context_priorities.ipynb", "Context and priorities"),
    ("06_summary.ipynb", "Strategic assessment summary"),
]


@dataclass
class SectionResult:
    notebook: str
    title: str
    html: Path | None
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RunResult:
    out_dir: Path
    period_label: str
    sections: list[SectionResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sections)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _unique_dir(base: Path, overwrite: bool) -> Path:
    if overwrite or not base.exists():
        return base
    k = 2
    while (base.parent / f"{base.name}-run{k}").exists():
        k += 1
    return base.parent / f"{base.name}-run{k}"


def _toc(nb) -> list[tuple[str, str]]:
    out = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^##\s+(.+?)\s*$", line)
            if m:
                text = m.group(1)
                out.append((text.replace(" ", "-"), text))
    return out


def render_html(nb_path: Path, html_path: Path, meta: dict) -> Path:
    """Render an executed notebook to one self-contained HTML file without code cells."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(nb_path, as_version=4)
    exporter = HTMLExporter(template_name="board", extra_template_basedirs=[str(TEMPLATE_DIR)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True)
    # stderr streams (warnings) are for the analyst, not the board
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    resources = {"safermk": {**meta, "toc": _toc(nb)}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    html_path.write_text(_describe_images(body), encoding="utf-8")
    return html_path


def _describe_images(body: str) -> str:
    """Give every chart or map the heading of its section as alternative text (nbconvert's default
    says no description was provided), for screen readers and for readers whose images are off."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, features="html.parser")
    heading = ""
    for el in soup.find_all(["h1", "h2", "h3", "img"]):
        if el.name != "img":
            heading = el.get_text(" ", strip=True).rstrip("¶").strip()
        elif not el.get("alt") or el["alt"].startswith("No description has been provided"):
            el["alt"] = f"Chart or map: {heading}" if heading else "Chart or map"
    return str(soup)


def _index(out_dir: Path, meta: dict, sections: list[SectionResult]) -> Path:
    rows = []
    for s in sections:
        link = f'<a href="{html.escape(s.html.name)}">{html.escape(s.title)}</a>' if s.html else html.escape(s.title)
        status = "" if s.ok else ' <strong style="color:#D55E00">(failed: see the section)</strong>'
        rows.append(f"<li>{link}{status}</li>")
    restricted = meta.get("audience") == "restricted"
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(meta['partnership'])}: strategic assessment {html.escape(meta['period'])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:900px;margin:2em auto;padding:0 1em}}
header{{border-bottom:4px solid #0072B2}} .r{{background:#D55E00;color:#fff;padding:4px;text-align:center;font-weight:bold}}</style>
</head><body>{'<div class="r">RESTRICTED - not for publication</div>' if restricted else ''}
<header><h1>{html.escape(meta['partnership'])}</h1>
<p>Strategic assessment &middot; {html.escape(meta['area'])} &middot; {html.escape(meta['period'])} &middot;
{html.escape(meta['audience'].capitalize())} edition &middot; produced {html.escape(meta['date'])}</p></header>
<h2>Sections</h2><ol>{''.join(rows)}</ol>
<p style="color:#555;font-size:.9em">Contains public sector information licensed under the Open Government Licence v3.0.
Contains OS data &copy; Crown copyright and database right. Crime data: data.police.uk.</p>
</body></html>"""
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def run_assessment(config_path: str | Path | None = None, year: int | str | None = None, out: str | Path = "reports",
                   *, audience: str | None = None, overwrite: bool = False,
                   notebooks: list[tuple[str, str]] | None = None, notebook_dir: str | Path | None = None,
                   log: Callable[[str], None] = print, workers: int = 2) -> RunResult:
    """Execute the notebooks for one area and year; write HTML and ``index.html``.

    ``year`` is the start year of the assessment year or ``'latest'``/``None`` for the most
    recent complete year in the data. Returns a :class:`RunResult`; ``result.ok`` is False
    when any notebook failed.
    """
    import papermill as pm

    cfg = load_config(config_path, overrides={"reporting.year": year, "audience": audience})
    records = load_police_uk(config=cfg)
    have = records.attrs["quality"].months_present
    period = assessment_period(have, cfg.reporting.year, cfg.reporting.year_type)
    if not set(str(m) for m in period.months) & set(have):
        raise EmptySelectionError(
            f"No police.uk data for {period}: the data hold {have[0]} to {have[-1]}"
            f" ({len(have)} months). Choose a year the data cover, or add the months to data.police_uk.")
    out_dir = _unique_dir(Path(out) / slug(cfg.area.name) / slug(period.label), overwrite)
    out_dir.mkdir(parents=True, exist_ok=True)
    # an overwritten run starts clean: no section, page or finding of the earlier run survives
    for old in [*out_dir.glob("*.html"), *out_dir.glob("*.ipynb")]:
        old.unlink()
    from .summary import clear
    clear(out_dir)
    meta = {"partnership": cfg.partnership, "area": cfg.area.name, "period": str(period),
            "audience": cfg.audience, "date": dt.date.today().isoformat()}
    params = {"config_path": str(cfg.source_path), "year": period.first.year, "audience": cfg.audience,
              "output_dir": str(out_dir.resolve())}
    result = RunResult(out_dir, period.label)
    log(f"{cfg.partnership}: {period} ({cfg.audience} edition) -> {out_dir}")
    nb_dir = Path(notebook_dir) if notebook_dir is not None else NOTEBOOK_DIR

    def run_one(nb_name: str, title: str) -> SectionResult:
        src, executed = nb_dir / nb_name, out_dir / nb_name
        t0 = time.perf_counter()
        error = None
        try:
            pm.execute_notebook(str(src), str(executed), parameters=params, cwd=str(nb_dir),
                                progress_bar=False, log_output=False, kernel_name=None,
                                extra_arguments=["--IPKernelApp.log_level=ERROR"])
        except pm.PapermillExecutionError as err:
            error = f"cell {err.exec_count}: {err.ename}: {err.evalue}"
        except Exception as err:  # kernel died, notebook missing, ...
            error = f"{type(err).__name__}: {err}"
        html_path = None
        if executed.exists():
            try:
                html_path = render_html(executed, out_dir / nb_name.replace(".ipynb", ".html"), {**meta, "title": title})
            except Exception as err:
                error = (error + "; " if error else "") + f"HTML rendering failed: {err}"
                log(traceback.format_exc())
        secs = time.perf_counter() - t0
        log(f"  {'ok    ' if error is None else 'FAILED'} {nb_name:32s} {secs:6.1f} s"
            + (f"\n         {error}" if error else ""))
        return SectionResult(nb_name, title, html_path, secs, error)

    sections = list(notebooks or NOTEBOOKS)
    # sections run two at a time (a kernel each); the summary reads their findings, so it runs last
    first = [s for s in sections if "summary" not in s[0]]
    last = [s for s in sections if "summary" in s[0]]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(first) or 1))) as pool:
        done = list(pool.map(lambda s: run_one(*s), first))
    done += [run_one(*s) for s in last]
    order = {name: k for k, (name, _) in enumerate(sections)}
    result.sections = sorted(done, key=lambda r: order[r.notebook])
    _index(out_dir, meta, result.sections)
    log(f"index: {out_dir / 'index.html'}")
    return result


__all__ = ["run_assessment", "render_html", "RunResult", "SectionResult", "NOTEBOOKS", "SaferMKError"]
