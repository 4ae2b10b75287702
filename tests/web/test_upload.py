"""Loading a bundle from the browser (/admin/load and POST /api/load): the loader's all-or-nothing
check with every file:line problem, replace or merge, the size limit, loopback only."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _csrf(posting_with_csrf):
    """POSTs here carry the CSRF token, as the pages' forms and scripts do."""


from graph.config import Config
from web import create_app

from ..conftest import MINI, MINI_COUNTS, ROOT


@pytest.fixture
def client(loaded_store, config):
    return create_app({"TESTING": True}, store=loaded_store, config=config).test_client()


def zipped(files: dict[str, str], root: str = "bundle") -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, text in files.items():
            zf.writestr(f"{root}/{name}", text)
    out.seek(0)
    return out


def zipped_folder(folder: Path) -> io.BytesIO:
    return zipped({str(p.relative_to(folder)): p.read_bytes().decode("utf-8-sig")
                   for p in sorted(folder.rglob("*.csv"))}, folder.name)


BROKEN = {**MINI,
          "nodes/Anchor.csv": MINI["nodes/Anchor.csv"].replace("120000", "lots"),
          "rels/IN_BELT.csv": "from,to\nbase1,b-hz\nsc1,nowhere\n"}


def test_a_broken_bundle_lists_every_problem_and_changes_nothing(client, loaded_store):
    before = loaded_store.version()
    r = client.post("/api/load", data={"bundle": (zipped(BROKEN), "broken.zip")})
    assert r.status_code == 400 and r.json["ok"] is False and r.json["status"] == 400 and r.json["total"] == 2
    assert {(p["file"], p["line"]) for p in r.json["problems"]} == {("nodes/Anchor.csv", 2), ("rels/IN_BELT.csv", 3)}
    assert any("lots" in p["message"] for p in r.json["problems"])
    assert loaded_store.version() == before and loaded_store.stats() == MINI_COUNTS


def test_the_page_lists_the_problems_as_file_line(client, loaded_store):
    r = client.post("/admin/load", data={"bundle": (zipped(BROKEN), "broken.zip"), "merge": "1"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="load-problems"' in html and "发现 2 个问题" in html
    assert "nodes/Anchor.csv" in html and "rels/IN_BELT.csv" in html and "nowhere" in html
    assert loaded_store.stats() == MINI_COUNTS


def test_a_good_zip_replaces_the_graph(client, loaded_store):
    r = client.post("/api/load", data={"bundle": (zipped_folder(ROOT / "data" / "sample"), "sample.zip")})
    assert r.status_code == 200 and r.json["ok"] is True and r.json["mode"] == "replace"
    assert r.json["source"] == "sample.zip" and r.json["nodes"]["Belt"] == 60 and r.json["facts"]["livestreams"] > 0
    assert loaded_store.stats()["nodes"] == r.json["nodes"]
    assert "b-hz" not in loaded_store.graph() and "hz-sijiqing" in loaded_store.graph()


def test_the_page_shows_the_summary(client):
    r = client.post("/admin/load", data={"bundle": (zipped(MINI), "小样.zip")})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="load-summary"' in html and "已导入 小样.zip（替换）" in html
    assert "供应链" in html and "SOURCES_FROM" in html and "livestreams" in html


def test_merge_upserts_by_id(client, loaded_store):
    extra = {"nodes/Belt.csv": "id,name,category,province,note\nb-new,新疆和田玉,jade,新疆维吾尔自治区,x\n"
                               "b-hz,杭州四季青（新名）,apparel,浙江省,y\n"}
    r = client.post("/api/load", data={"bundle": (zipped(extra), "more.zip"), "merge": "1"})
    assert r.status_code == 200 and r.json["mode"] == "merge" and r.json["nodes"]["Belt"] == 4
    assert r.json["extra_columns"] == {"nodes/Belt.csv": ["note"]}
    g = loaded_store.graph()
    assert g.node("b-hz")["name"] == "杭州四季青（新名）" and "b-new" in g and "m1" in g
    assert loaded_store.stats()["relationships"] == MINI_COUNTS["relationships"]


@pytest.mark.parametrize("merge", ["mrege", "null", "2"])  # a typo, JSON's null, not a yes or a no
def test_a_merge_that_is_neither_yes_nor_no_is_refused_and_changes_nothing(client, loaded_store, merge):
    before = loaded_store.version()
    extra = {"nodes/Belt.csv": "id,name,category,province\nb-new,新疆和田玉,jade,新疆维吾尔自治区\n"}
    r = client.post("/api/load", data={"bundle": (zipped(extra), "more.zip"), "merge": merge})
    assert r.status_code == 400 and r.json["ok"] is False and "merge must be true or false" in r.json["error"]
    assert loaded_store.version() == before and loaded_store.stats() == MINI_COUNTS


@pytest.mark.parametrize("merge,mode", [("true", "merge"), ("on", "merge"), ("false", "replace"), ("", "replace")])
def test_merge_takes_the_words_a_form_or_a_script_sends(client, merge, mode):
    r = client.post("/api/load", data={"bundle": (zipped(MINI), "mini.zip"), "merge": merge})
    assert r.status_code == 200 and r.json["mode"] == mode


def test_an_xlsx_workbook_loads(client, loaded_store):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Belt"
    ws.append(["id", "name", "category", "province"])
    ws.append(["b-x", "测试产业带", "jade", "辽宁省"])
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    r = client.post("/api/load", data={"bundle": (data, "book.xlsx")})
    assert r.status_code == 200 and r.json["nodes"]["Belt"] == 1 and r.json["nodes"]["Anchor"] == 0


@pytest.mark.parametrize("data,message", [
    ({}, "choose a .zip or .xlsx"),
    ({"bundle": (io.BytesIO(b"id,name\n"), "Belt.csv")}, "a .zip of the bundle folder or an .xlsx"),
    ({"bundle": (io.BytesIO(b"not a zip"), "bad.zip")}, "1 problem found"),
])
def test_what_is_not_a_bundle_is_400(client, loaded_store, data, message):
    r = client.post("/api/load", data=data, content_type="multipart/form-data")
    assert r.status_code == 400 and message in r.json["error"]
    assert loaded_store.stats() == MINI_COUNTS


def test_the_upload_is_deleted_after_loading(client, monkeypatch, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    assert client.post("/api/load", data={"bundle": (zipped(MINI), "m.zip")}).status_code == 200
    assert client.post("/api/load", data={"bundle": (zipped(BROKEN), "b.zip")}).status_code == 400
    assert list(folder.iterdir()) == []


def test_a_bigger_upload_is_413(loaded_store, tmp_path):
    config = Config.from_dict({"web": {"upload_max_mb": 1}}, base_dir=tmp_path, env={})
    app = create_app({"TESTING": True}, store=loaded_store, config=config)
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    c = app.test_client()
    big = io.BytesIO(b"x" * (1024 * 1024 + 10))
    r = c.post("/api/load", data={"bundle": (big, "big.zip")})
    assert r.status_code == 413 and r.json == {
        "ok": False, "status": 413, "error": "the upload is larger than 1 MB ([web] upload_max_mb in config.toml)"}
    r = c.post("/admin/load", data={"bundle": (io.BytesIO(b"x" * (1024 * 1024 + 10)), "big.zip")})
    assert r.status_code == 413 and "upload_max_mb" in r.get_data(as_text=True)
    assert loaded_store.stats() == MINI_COUNTS


@pytest.mark.parametrize("address,allowed", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("10.0.0.5", False), ("192.168.1.20", False), ("2001:db8::1", False),
])
def test_only_a_browser_on_this_machine_may_load(client, loaded_store, address, allowed):
    env = {"REMOTE_ADDR": address}
    page = client.get("/admin/load", environ_base=env)
    belts = client.get("/belts", environ_base=env).get_data(as_text=True)
    if allowed:
        assert page.status_code == 200 and 'href="/admin/load"' in belts
        return
    # with no users configured, the whole app serves only its own machine (web.auth)
    assert page.status_code == 403 and "只服务本机" in page.get_data(as_text=True)
    assert 'href="/admin/load"' not in belts
    r = client.post("/api/load", data={"bundle": (zipped(MINI), "m.zip")}, environ_base=env)
    assert r.status_code == 403 and r.json["status"] == 403
    assert client.get("/api/load", environ_base=env).status_code == 403
    assert loaded_store.stats() == MINI_COUNTS


def test_the_page_shows_what_is_loaded_now_and_the_limit(client):
    html = client.get("/admin/load").get_data(as_text=True)
    assert "最大 200 MB" in html and 'accept=".zip,.xlsx"' in html and 'name="merge"' in html
    assert client.get("/api/load").json == {"upload_max_mb": 200, **MINI_COUNTS}


def test_names_in_problems_stay_text(client):
    evil = {**MINI, "rels/IN_BELT.csv": "from,to\nbase1,<img src=x onerror=alert(1)>\n"}
    html = client.post("/admin/load", data={"bundle": (zipped(evil), "e.zip")}).get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_the_page_in_english(client):
    html = client.post("/admin/load?lang=en", data={"bundle": (zipped(MINI), "m.zip")}).get_data(as_text=True)
    assert "Loaded m.zip (replaced)" in html and "Merge into the graph" in html and "Team leader" in html


def test_another_site_cannot_post_a_bundle(client, loaded_store):
    r = client.post("/api/load", data={"bundle": (zipped(MINI), "m.zip")}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "another site" in r.json["error"]
    r = client.post("/api/load", data={"bundle": (zipped(MINI), "m.zip")}, headers={"Origin": "http://localhost"})
    assert r.status_code == 200  # the page's own origin (the test client's host)
    assert loaded_store.stats() == MINI_COUNTS
