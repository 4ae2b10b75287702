"""The belts map (/map) and its JSON twin."""

from __future__ import annotations

import re

import pytest

from graph import usecases
from graph.palette import CATEGORY_COLORS, OTHER_COLOR
from web import create_app
from web.map import BOX, projection


def test_map_api_lists_every_belt_with_coordinates_and_gmv(sample_client, sample_store, sample_config):
    d = sample_client.get("/api/map").json
    assert d["quarter"] == "2020Q4" and len(d["items"]) == 60
    assert all({"id", "name", "category", "lat", "lon", "gmv"} <= set(b) for b in d["items"])
    gmv = [b["gmv"] or 0 for b in d["items"]]
    assert gmv == sorted(gmv, reverse=True)
    hz = next(b for b in d["items"] if b["id"] == "hz-sijiqing")
    profile = usecases.belt_profile(sample_store, sample_config, "hz-sijiqing")
    assert hz["gmv"] == pytest.approx(profile.quarters[-1].gmv)
    assert (hz["lat"], hz["lon"]) == (30.258, 120.197)


def test_map_page_draws_a_linked_dot_per_belt(sample_client):
    html = sample_client.get("/map").get_data(as_text=True)
    dots = re.findall(r'<a class="belt[^"]*" href="/belts/([^"]+)"', html)
    assert len(dots) == 60 and "hz-sijiqing" in dots
    assert html.count("<title>") >= 61  # a tooltip per dot
    assert 'class="grid"' in html and "°E" in html and "°N" in html
    for color in CATEGORY_COLORS.values():
        assert f'fill="{color}"' in html
    assert f'fill="{OTHER_COLOR}"' in html  # tea, ceramics, ... are grey
    assert "其他类目" in html and "服装" in html


def test_map_is_in_the_menu_before_belts(sample_client):
    html = sample_client.get("/belts").get_data(as_text=True)
    nav = html[html.index("<nav>"):html.index("</nav>")]
    assert nav.index('href="/map"') < nav.index('href="/belts"') and "地图" in nav
    assert ">Map<" in sample_client.get("/map?lang=en").get_data(as_text=True)


def test_projection_keeps_north_up_and_east_right():
    class B:
        def __init__(self, lon, lat):
            self.lon, self.lat = lon, lat

    p = projection([B(120, 30)], 1000)
    (x1, y1), (x2, y2) = p.xy(110, 25), p.xy(120, 30)
    assert x2 > x1 and y2 < y1
    assert p.xy(p.lon0, p.lat1) == (0.0, 0.0)
    assert p.xy(p.lon1, p.lat0)[0] == 1000.0 and abs(p.xy(p.lon1, p.lat0)[1] - p.height) <= 1
    wide = projection([B(BOX[1] + 5, BOX[3] + 5)], 1000)  # a belt outside the box widens it
    assert wide.lon1 > BOX[1] and wide.lat1 > BOX[3]


def test_map_download(sample_client):
    r = sample_client.get("/map/download?format=csv")
    lines = r.data.decode("utf-8-sig").splitlines()
    assert r.status_code == 200 and lines[0] == "id,name,category,province,lat,lon,gmv 2020Q4" and len(lines) == 61


def test_empty_store_map_says_how_to_load(store, config):
    app = create_app({"TESTING": True}, store=store, config=config)
    client = app.test_client()
    assert "beltgraph load data/sample" in client.get("/map").get_data(as_text=True)
    assert client.get("/api/map").json == {"quarter": None, "items": []}
