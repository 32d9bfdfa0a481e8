"""Concentration measures on known distributions; maps that work offline."""
from __future__ import annotations

from html.parser import HTMLParser

import geopandas as gpd
import numpy as np
import pytest
import shapely

from safermk_analysis import concentration, maps
from safermk_analysis.errors import InputDataError


def test_gini_and_generalised_gini_on_known_distributions():
    assert concentration.gini([5, 5, 5, 5]) == 0
    assert concentration.gini([0, 0, 0, 8]) == pytest.approx(0.75)          # (N - 1) / N
    assert concentration.gini([1, 2, 3, 4]) == pytest.approx(0.25)
    # 2 records on 8 places: the most even spread possible (two places with one each) scores 0
    assert concentration.generalised_gini([1, 1, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.0)
    assert concentration.gini([1, 1, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.75)
    assert concentration.generalised_gini([2, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(1 - (1 - 0.875) * 8 / 2)
    assert concentration.generalised_gini([1, 2, 3, 4]) == concentration.gini([1, 2, 3, 4])  # records >= places
    with pytest.raises(InputDataError):
        concentration.gini([1, -1])


def test_top_shares_lorenz_and_stability():
    y = np.r_[[50] * 5, [5] * 95]               # 5% of places hold 250 of 725 records
    s = concentration.summary(y)
    assert s["top_5pct_share"] == pytest.approx(250 / 725)
    assert s["top_10pct_share"] == pytest.approx(275 / 725)
    lc = concentration.lorenz(y)
    assert lc.iloc[0].tolist() == [0, 0] and lc.iloc[-1].tolist() == [1, 1]
    assert lc["share_of_records"].is_monotonic_increasing
    st = concentration.stability(y, y[::-1].copy())
    assert st["top_places_retained"] == 0 and st["spearman_rho"] < 0
    same = concentration.stability(y, y)
    assert same["top_overlap_share"] == 1 and same["spearman_rho"] == pytest.approx(1)


class _Remote(HTMLParser):
    def __init__(self):
        super().__init__()
        self.remote, self.frames = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if tag in ("script", "link", "img", "iframe") and str(a.get(key, "")).startswith(("http://", "https://")):
                self.remote.append(a[key])
        if tag == "iframe" and "srcdoc" in a:
            self.frames.append(a["srcdoc"])


def _remote_sources(page: str) -> list[str]:
    p = _Remote()
    p.feed(page)
    found = list(p.remote)
    for inner in p.frames:
        found += _remote_sources(inner)
    return found


def _areas():
    cells = [shapely.box(x, y, x + 1000, y + 1000) for x in range(480_000, 485_000, 1000) for y in range(230_000, 233_000, 1000)]
    g = gpd.GeoDataFrame({"lsoa11nm": [f"Area {i}" for i in range(len(cells))], "crimes": np.arange(len(cells)) * 3,
                          "per_1000": np.arange(len(cells)) * 1.5}, geometry=cells, crs=27700)
    return g


def test_interactive_map_is_self_contained():
    g = _areas()
    g["hotspot_class"] = ["Hot spot 99%"] + ["Not significant"] * (len(g) - 1)
    g["gi_z"], g["p_fdr"] = 0.0, 1.0
    page = maps.interactive_map(maps.standard_layers(g, g), centre_of=g, title="Test")
    assert _remote_sources(page) == [] and "L.map(" in page and ".leaflet-container" in page
    framed = maps.embed(page)
    assert framed.startswith("<iframe srcdoc=") and _remote_sources(framed) == []
    # a key for the colours, readable hover labels, whole counts shown whole and suppressed ones as '*'
    assert "position:fixed;bottom:24px" in page and "Hot spot 99%" in page and "Hot and cold spots (Gi*)" in page
    assert "LSOA boundaries" in page  # outlines for orientation when the rate layer is off
    assert '"Gi* z-score"' in page and '"LSOA"' in page and '"lsoa11nm"' not in page.split("aliases")[-1][:200]
    g2 = g.assign(crimes=[np.nan] + [113.0] * (len(g) - 1))
    page2 = maps.interactive_map(maps.standard_layers(g2, g2), centre_of=g2)
    assert '"113"' in page2 and '"113.0"' not in page2 and '"*"' in page2


def test_static_maps_carry_legend_scale_and_source():
    g = _areas()
    fig = maps.choropleth(g, "crimes", title="t", legend_title="records", outlines=g.iloc[:2], label_column="lsoa11nm")
    texts = [t.get_text() for t in fig.axes[0].texts] + [t.get_text() for t in fig.texts]
    assert "N" in texts and any(t.endswith("km") for t in texts) and any("data.police.uk" in t for t in texts)
    legend = fig.axes[0].get_legend()
    assert legend.get_title().get_text() == "records" and len(legend.get_texts()) == 5


def test_class_labels_never_share_a_bound():
    v = np.array([27, 40, 160, 163, 200, 338, 340, 829, 830, 2532], dtype=float)
    yb = np.array([0, 0, 0, 1, 1, 1, 2, 2, 3, 4])
    assert maps.class_labels(v, yb, 5) == ["27 – 160", "163 – 338", "340 – 829", "830 – 830", "2,532 – 2,532"]
    rates = np.array([1.25, 3.5, 7.75, 9.0])
    assert maps.class_labels(rates, np.array([0, 0, 1, 1]), 2, joiner=" to ") == ["1.2 to 3.5", "7.8 to 9.0"]
