"""Open the rendered report in headless Chromium as a board member would: no console errors, no
request to any remote host, and a screenshot kept under test-artifacts/ for a person to look at."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
@pytest.mark.parametrize("page", ["index.html", "01_data_quality.html", "02_crime_trends.html", "03_asb.html",
                                  "04_hotspots.html", "05_context_priorities.html", "06_summary.html"])
def test_report_renders_without_console_errors(bundled_report, page, tmp_path):
    html = bundled_report.out_dir / page
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / page.replace(".html", ".png")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={tmp_path}",
           "--enable-logging=stderr", "--v=0", "--virtual-time-budget=8000", "--window-size=1280,2400",
           f"--screenshot={shot}", html.as_uri()]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    log = run.stderr
    console = [line for line in log.splitlines() if "CONSOLE" in line]
    errors = [line for line in console if re.search(r"Uncaught|Error|Failed to load", line)]
    assert errors == [], errors
    assert not re.search(r"Failed to load resource|net::ERR_", log), "a resource failed to load"
    assert shot.exists() and shot.stat().st_size > 10_000
