"""Named priority places from the config: shapes, counts, change and hot spot status."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safermk_analysis import places
from safermk_analysis.config import Place, load_config
from safermk_analysis.errors import ConfigError, InputDataError


def _lsoas():
    return gpd.GeoDataFrame({"lsoa11cd": ["E01000001", "E01000002"]},
                            geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)], crs=27700)


def test_place_shapes_and_table():
    ps = [Place(name="Ring", easting=500, northing=500, radius_m=100),
          Place(name="East", lsoas=["E01000002"]),
          Place(name="Box", wkt="POLYGON ((0 0, 300 0, 300 300, 0 300, 0 0))")]
    shapes = places.place_shapes(ps, _lsoas())
    assert shapes["geometry"].iloc[0].area == pytest.approx(np.pi * 100 ** 2, rel=0.01)
    assert shapes["geometry"].iloc[1].equals(shapely.box(1000, 0, 2000, 1000))
    rec = pd.DataFrame({"easting": [500] * 30 + [1500] * 10 + [np.nan], "northing": [500] * 30 + [500] * 10 + [np.nan]})
    now = np.r_[np.ones(25, bool), np.zeros(5, bool), np.ones(5, bool), np.zeros(5, bool), [True]]
    before = ~now
    cells = gpd.GeoDataFrame({"hotspot_class": ["Hot spot 90%", "Hot spot 99%"]},
                             geometry=[shapely.box(400, 400, 600, 600), shapely.box(1500, 0, 1600, 100)], crs=27700)
    t = places.place_table(shapes, rec, now, before, cells).set_index("place")
    assert t.loc["Ring", ["before", "after"]].tolist() == [5, 25]
    assert t.loc["Ring", "change"] == "significant increase" and t.loc["Ring", "hot_spot"] == "Hot spot 90%"
    assert t.loc["East", ["before", "after"]].tolist() == [5, 5] and t.loc["East", "hot_spot"] == "Hot spot 99%"
    assert t.loc["Box", "change"] == "no records" and t.loc["Box", "hot_spot"] == "Not significant"


def test_place_validation():
    with pytest.raises(ValueError, match="exactly one"):
        Place(name="x", easting=1, northing=1, radius_m=10, lsoas=["E01000001"])
    with pytest.raises(ValueError, match="needs easting, northing and radius_m"):
        Place(name="x", easting=1)
    with pytest.raises(ConfigError, match="places"):
        load_config(overrides={"places": [{"name": "x", "easting": 1, "northing": 2}]})
    with pytest.raises(InputDataError, match="not in the area"):
        places.place_shapes([Place(name="x", lsoas=["E01999999"])], _lsoas())


def test_default_config_places_lie_inside_milton_keynes():
    from safermk_analysis.geography import load_lsoas
    cfg = load_config()
    mk = load_lsoas(cfg.area.lad_codes)
    shapes = places.place_shapes(cfg.places, mk)
    assert len(shapes) >= 3 and shapes.within(mk.union_all().buffer(100)).all()
