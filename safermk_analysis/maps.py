"""Maps a board can read offline: static choropleths and class maps, and one interactive Leaflet map.

Static maps (matplotlib) carry ward outlines and names for orientation instead of web tiles, a
north arrow, a scale bar, a legend with units and the source line. The interactive map is
folium (Leaflet) with the Leaflet library inlined from the django-leaflet package, so the HTML
makes no request to any remote host; web tiles are an optional layer that loads only when
switched on and online.
"""
from __future__ import annotations

import html as htmllib
import json
import re
import textwrap
import warnings
from importlib import metadata

import geopandas as gpd
import mapclassify
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from .charts import SOURCE, add_source, use_house_style
from .hotspots import CLASS_COLOURS, CLASS_ORDER

OS_SOURCE = SOURCE + ". Contains OS data © Crown copyright and database right."


# ----------------------------------------------------------------------------- furniture
def _nice_length(width_m: float) -> float:
    target = width_m / 5
    for v in (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000):
        if v >= target:
            return v
    return 50000


def add_scale_bar(ax, *, location=(0.04, 0.04)) -> None:
    """A scale bar in metres/km, in axes fraction position, for an EPSG:27700 axis."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx, by = x0 + location[0] * (x1 - x0), y0 + location[1] * (y1 - y0)
    h = (y1 - y0) * 0.008
    ax.add_patch(plt.Rectangle((bx, by), length / 2, h, color="#333333", zorder=10))
    ax.add_patch(plt.Rectangle((bx + length / 2, by), length / 2, h, facecolor="white", edgecolor="#333333", zorder=10))
    def fmt(v):
        return f"{v / 1000:g} km" if length >= 1000 else f"{v:g} m"
    ax.text(bx, by + 2.5 * h, "0", ha="center", va="bottom", fontsize=8, zorder=10)
    ax.text(bx + length / 2, by + 2.5 * h, fmt(length / 2).split()[0], ha="center", va="bottom", fontsize=8, zorder=10)
    ax.text(bx + length, by + 2.5 * h, fmt(length), ha="center", va="bottom", fontsize=8, zorder=10)


def add_north_arrow(ax, *, location=(0.95, 0.90)) -> None:
    ax.annotate("N", xy=(location[0], location[1]), xytext=(location[0], location[1] - 0.08),
                xycoords="axes fraction", ha="center", va="center", fontsize=11, fontweight="bold",
                arrowprops={"facecolor": "#333333", "width": 3, "headwidth": 9, "headlength": 9})


def _orientation(ax, outlines: gpd.GeoDataFrame | None, label_column: str | None) -> None:
    if outlines is None:
        return
    outlines.boundary.plot(ax=ax, color="#444444", linewidth=0.7, zorder=4)
    if label_column:
        pts = outlines.geometry.representative_point()
        labels = []
        for (x, y), name, area in zip(zip(pts.x, pts.y), outlines[label_column], outlines.geometry.area):
            t = ax.text(x, y, textwrap.fill(str(name), 16), fontsize=6.5, ha="center", va="center", color="#222222",
                        zorder=5, linespacing=0.95,
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.6, "linewidth": 0})
            labels.append((area, t))
        ax._safermk_labels = labels  # de-cluttered in _finish, once the layout is known


def _declutter(fig, ax) -> None:
    """Hide area labels that would overlap a larger area's label (largest areas keep theirs)."""
    labels = getattr(ax, "_safermk_labels", [])
    if not labels:
        return
    renderer = fig.canvas.get_renderer()
    kept = []
    for _, t in sorted(labels, key=lambda a: -a[0]):
        box = t.get_window_extent(renderer).expanded(1.05, 1.1)
        if any(box.overlaps(k) for k in kept):
            t.set_visible(False)
        else:
            kept.append(box)


def _frame(title: str, figsize=(10, 9)):
    use_house_style()
    fig, ax = plt.subplots(figsize=figsize)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_title(textwrap.fill(title, 70), loc="left")  # long titles wrap rather than run off the figure
    return fig, ax


def _finish(fig, ax, source: str) -> plt.Figure:
    add_north_arrow(ax)
    add_scale_bar(ax)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _declutter(fig, ax)
    add_source(fig, source)
    return fig


# ----------------------------------------------------------------------------- static maps
def choropleth(gdf: gpd.GeoDataFrame, column: str, *, title: str, legend_title: str, scheme: str = "fisher_jenks",
               k: int = 5, outlines: gpd.GeoDataFrame | None = None, label_column: str | None = None,
               cmap: str = "YlOrRd", source: str = OS_SOURCE, missing_label: str = "no data") -> plt.Figure:
    """Areas shaded by ``column`` in ``k`` classes (mapclassify Fisher-Jenks, or 'quantiles').

    Missing values (e.g. counts suppressed in the public edition) are grey, labelled ``missing_label``.
    """
    values = gdf[column].to_numpy(dtype=float)
    ok = ~np.isnan(values)
    k = int(max(1, min(k, len(np.unique(values[ok])))))
    with warnings.catch_warnings():  # mapclassify notes when numba is absent: not the reader's concern
        warnings.simplefilter("ignore")
        classifier = (mapclassify.FisherJenks(values[ok], k=k) if scheme == "fisher_jenks"
                      else mapclassify.Quantiles(values[ok], k=k) if scheme == "quantiles" else None)
    if classifier is None:
        raise ValueError(f"scheme must be 'fisher_jenks' or 'quantiles', not {scheme!r}")
    fig, ax = _frame(title)
    colours = plt.get_cmap(cmap)(np.linspace(0.15, 0.95, k))
    cls = np.full(len(gdf), -1)
    cls[ok] = classifier.yb
    fc = [colours[c] if c >= 0 else (0.85, 0.85, 0.85, 1) for c in cls]
    gdf.plot(ax=ax, color=fc, edgecolor="white", linewidth=0.2, zorder=2)
    _orientation(ax, outlines, label_column)
    labels = class_labels(values[ok], classifier.yb, k)
    handles = [Patch(facecolor=colours[i], edgecolor="#999999", label=labels[i]) for i in range(k)]
    if (~ok).any():
        handles.append(Patch(facecolor=(0.85, 0.85, 0.85), label=f"{missing_label} ({int((~ok).sum())})"))
    ax.legend(handles=handles, title=legend_title, loc="upper left", fontsize=8, title_fontsize=9, frameon=True)
    return _finish(fig, ax, source)


def class_labels(values: np.ndarray, classes: np.ndarray, k: int, joiner: str = " – ") -> list[str]:
    """'27 – 160', '163 – 338', ...: each class by the smallest and largest value it holds, so that
    neighbouring classes never share a bound (one decimal below 100, whole numbers above)."""
    digits = 1 if values.max() < 100 and not np.all(values == np.round(values)) else 0
    out = []
    for i in range(k):
        v = values[classes == i]
        out.append(f"{v.min():,.{digits}f}{joiner}{v.max():,.{digits}f}" if len(v) else "none")
    return out


def class_map(gdf: gpd.GeoDataFrame, column: str, colours: dict, *, title: str, legend_title: str,
              outlines: gpd.GeoDataFrame | None = None, label_column: str | None = None,
              source: str = OS_SOURCE, background: gpd.GeoDataFrame | None = None) -> plt.Figure:
    """Areas coloured by a categorical ``column`` (e.g. hot spot or change classes)."""
    fig, ax = _frame(title)
    if background is not None:
        background.plot(ax=ax, color="#f7f7f7", edgecolor="#dddddd", linewidth=0.2, zorder=1)
    values = gdf[column].astype(str)
    gdf.plot(ax=ax, color=[colours.get(v, "#f0f0f0") for v in values], edgecolor="white", linewidth=0.15, zorder=2)
    _orientation(ax, outlines, label_column)
    present = [c for c in colours if (values == c).any()]
    counts = values.value_counts()
    handles = [Patch(facecolor=colours[c], edgecolor="#999999", label=f"{c} ({counts.get(c, 0):,})") for c in present]
    ax.legend(handles=handles, title=legend_title, loc="upper left", fontsize=8, title_fontsize=9, frameon=True)
    return _finish(fig, ax, source)


def hotspot_map(result: gpd.GeoDataFrame, *, title: str, unit: str = "LSOAs", **kw) -> plt.Figure:
    return class_map(result, "hotspot_class", {c: CLASS_COLOURS[c] for c in CLASS_ORDER}, title=title,
                     legend_title=f"Gi* class ({unit})", **kw)


def density_map(surface: gpd.GeoDataFrame, *, title: str, outlines=None, label_column=None,
                source: str = OS_SOURCE) -> plt.Figure:
    """Kernel density cells (records per km²) with the top cells outlined."""
    fig, ax = _frame(title)
    surface.plot(ax=ax, column="density", cmap="YlOrRd", linewidth=0, zorder=2, legend=True,
                 legend_kwds={"label": "records per km²", "shrink": 0.6})
    top = surface[surface["top"]]
    if len(top):
        top.dissolve().boundary.plot(ax=ax, color="#000000", linewidth=1.0, zorder=6)
    _orientation(ax, outlines, label_column)
    ax.plot([], [], color="#000000", label=f"top {surface.attrs.get('top_share', 0.05):.0%} of cells")
    ax.legend(loc="upper left", fontsize=8, frameon=True)
    return _finish(fig, ax, source)


def lorenz_chart(curves: dict[str, pd.DataFrame], *, title: str) -> plt.Figure:
    """Lorenz curves (share of records against share of places), one line per unit or period."""
    use_house_style()
    fig, ax = plt.subplots(figsize=(6.5, 6))
    for name, c in curves.items():
        ax.plot(c["share_of_places"] * 100, c["share_of_records"] * 100, label=name, lw=2)
    ax.plot([0, 100], [0, 100], color="#999999", ls="--", lw=1, label="perfect equality")
    ax.set_xlabel("% of places (most affected first)")
    ax.set_ylabel("% of records")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_title(title, loc="left")
    ax.legend(loc="lower right", fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    add_source(fig)
    return fig


# ----------------------------------------------------------------------------- interactive map
def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS from the django-leaflet distribution (read as files; Django is never imported)."""
    dist = metadata.distribution("django-leaflet")
    base = "leaflet/static/leaflet/"
    js = dist.locate_file(base + "leaflet.js").read_text(encoding="utf-8")
    css = dist.locate_file(base + "leaflet.css").read_text(encoding="utf-8")
    return js, css


def interactive_map(layers: list[dict], *, centre_of: gpd.GeoDataFrame, title: str = "") -> str:
    """A self-contained Leaflet map as one HTML document (string).

    ``layers``: dicts with ``gdf`` (any CRS), ``name``, ``style`` (a column -> colour mapping,
    with ``column``) and ``tooltip`` (list of columns), ``show`` (bool). The Leaflet library is
    inlined; OpenStreetMap tiles are offered as a layer that is off by default.
    """
    import folium

    c = centre_of.to_crs(4326).union_all().centroid
    m = folium.Map(location=[c.y, c.x], zoom_start=12, tiles=None, control_scale=True, prefer_canvas=True)
    folium.TileLayer("OpenStreetMap", name="Street map (needs internet)", show=False, overlay=False,
                     control=True).add_to(m)
    legend: list[tuple[str, list[tuple[str, str]]]] = []
    for layer in layers:
        gdf = layer["gdf"].to_crs(4326)
        col, colours = layer.get("column"), layer.get("colours", {})
        cols = [x for x in layer.get("tooltip", []) if x in gdf.columns]
        data = gdf[cols + ([col] if col and col not in cols else []) + ["geometry"]].copy()
        for x in data.columns:
            if x != "geometry" and not pd.api.types.is_numeric_dtype(data[x]):
                data[x] = data[x].astype(str)
            elif x != "geometry" and pd.api.types.is_float_dtype(data[x]):
                v = data[x]
                whole = bool((v.dropna() == v.dropna().round()).all())  # counts made float by suppression
                text = [("*" if pd.isna(e) else f"{e:,.0f}" if whole else f"{e:,.{3 if x in ('gi_z', 'p_fdr') else 1}f}")
                        for e in v]
                data[x] = pd.Series(text, index=data.index, dtype=object)  # * = suppressed

        def style(feature, col=col, colours=colours, default=layer.get("default", "#cccccc"),
                  outline=layer.get("outline", False)):
            if outline:  # boundaries only, for orientation under the other layers
                return {"fillColor": "#ffffff", "fillOpacity": 0.35, "color": "#777777", "weight": 0.6}
            v = str(feature["properties"].get(col)) if col else None
            return {"fillColor": colours.get(v, default), "color": "#555555", "weight": 0.4, "fillOpacity": 0.75}

        folium.GeoJson(json.loads(data.to_json()), name=layer["name"], style_function=style, show=layer.get("show", True),
                       tooltip=folium.GeoJsonTooltip(fields=cols, aliases=[TOOLTIP_NAMES.get(a, a.replace("_", " "))
                                                                           for a in cols])
                       if cols else None).add_to(m)
        if colours:
            present = set(data[col].astype(str)) if col else set()
            legend.append((layer["name"], [(k, v) for k, v in colours.items() if k in present]))
    folium.LayerControl(collapsed=False).add_to(m)
    minx, miny, maxx, maxy = centre_of.to_crs(4326).total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    page = m.get_root().render()
    js, css = _leaflet_assets()
    # drop every remote script and stylesheet; Leaflet itself goes inline
    page = re.sub(r'<script[^>]+src="https?://[^"]+"[^>]*>\s*</script>', "", page)
    page = re.sub(r'<link[^>]+href="https?://[^"]+"[^>]*/?>', "", page)
    page = page.replace("<head>", f"<head><style>{css}</style><script>{js}</script>", 1)
    if title:
        page = page.replace("<body>", f'<body><div style="font:600 14px system-ui;padding:4px 8px">{htmllib.escape(title)}</div>', 1)
    if legend:
        page = page.replace("</body>", _legend_html(legend) + "</body>", 1)
    return page


TOOLTIP_NAMES = {"lsoa11nm": "LSOA", "crimes": "records", "per_1000": "per 1,000 residents", "rate_class": "rate band",
                 "hotspot_class": "Gi* class", "gi_z": "Gi* z-score", "p_fdr": "p (FDR corrected)",
                 "before": "year before", "after": "this year", "change_class": "change", "name": "place"}


def _legend_html(legend: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """A fixed box, bottom left, with each layer's colours (the interactive map's key)."""
    parts = []
    for name, items in legend:
        if not items:
            continue
        rows = "".join(f'<div><span style="display:inline-block;width:12px;height:12px;background:{c};'
                       f'border:1px solid #777;margin-right:4px;vertical-align:middle"></span>{htmllib.escape(k)}</div>'
                       for k, c in items)
        parts.append(f'<div style="font-weight:600;margin-top:4px">{htmllib.escape(name)}</div>{rows}')
    return ('<div style="position:fixed;bottom:24px;left:8px;z-index:1000;background:rgba(255,255,255,0.92);'
            'padding:6px 8px;border:1px solid #999;font:12px system-ui;max-height:45%;overflow:auto">'
            + "".join(parts) + "</div>")


def embed(page: str, height: int = 560) -> str:
    """The map page as an iframe (srcdoc) for a notebook, so it travels inside the report HTML."""
    return (f'<iframe srcdoc="{htmllib.escape(page, quote=True)}" style="width:100%;height:{height}px;'
            'border:1px solid #ccc" sandbox="allow-scripts"></iframe>')


def standard_layers(lsoas: gpd.GeoDataFrame, hotspot_cells: gpd.GeoDataFrame | None = None,
                    change: gpd.GeoDataFrame | None = None, *, count_column: str = "crimes",
                    rate_column: str = "per_1000", k: int = 5) -> list[dict]:
    """The report's interactive layers: LSOA counts and rates, hot spot cells, LSOA change classes."""
    data = lsoas.copy()
    values = data[rate_column].to_numpy(dtype=float) if rate_column in data else data[count_column].to_numpy(dtype=float)
    ok = ~np.isnan(values)
    kk = int(max(1, min(k, len(np.unique(values[ok])))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fj = mapclassify.FisherJenks(values[ok], k=kk)
    labels = class_labels(values[ok], fj.yb, kk, joiner=" to ")
    cls = np.full(len(data), "no data", dtype=object)
    cls[ok] = [labels[c] for c in fj.yb]
    data["rate_class"] = cls
    colours = dict(zip(labels, [matplotlib_hex(c) for c in plt.get_cmap("YlOrRd")(np.linspace(0.15, 0.95, kk))]))
    layers = [{"gdf": data[["lsoa11nm", "geometry"]], "name": "LSOA boundaries", "outline": True,
               "tooltip": ["lsoa11nm"]},
              {"gdf": data, "name": "Crime per 1,000 residents (LSOA)", "column": "rate_class", "colours": colours,
               "tooltip": ["lsoa11nm", count_column, rate_column, "rate_class"]}]
    if hotspot_cells is not None:
        hot = hotspot_cells[hotspot_cells["hotspot_class"].astype(str) != "Not significant"]
        if len(hot):
            layers[1]["show"] = False  # the rate and hot spot colours are both reds: one at a time to start with
            layers.append({"gdf": hot, "name": "Hot and cold spots (Gi*)", "column": "hotspot_class",
                           "colours": CLASS_COLOURS, "tooltip": ["hotspot_class", count_column, "gi_z", "p_fdr"]})
    if change is not None:
        ch = change[change["change_class"].astype(str) != "No significant change"]
        if len(ch):
            layers.append({"gdf": ch, "name": "Significant change since the year before (LSOA)",
                           "column": "change_class", "show": False,
                           "colours": {"Significant increase": "#D55E00", "Significant decrease": "#0072B2"},
                           "tooltip": ["lsoa11nm", "before", "after", "change_class"]})
    return layers


def matplotlib_hex(rgba) -> str:
    from matplotlib.colors import to_hex
    return to_hex(rgba)


def place_layer(shapes: gpd.GeoDataFrame) -> list[dict]:
    """The named priority places as an interactive layer (empty list when none are configured)."""
    if shapes is None or shapes.empty:
        return []
    return [{"gdf": shapes, "name": "Priority places", "column": None, "default": "#6a3d9a",
             "tooltip": ["place", "defined_as", "note"]}]
