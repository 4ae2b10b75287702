"""The web's export routes: /export with a page's selection, the belt brief, search downloads."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import openpyxl


def test_export_returns_the_file_for_the_page_s_selection(sample_client):
    r = sample_client.get("/export?format=svg&around=hz-sijiqing&depth=1&label=Provider")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    root = ET.fromstring(r.data)
    assert root.tag.endswith("svg") and "杭州四季青服装市场" in r.data.decode()
    r = sample_client.get("/export?format=json&id=hz-sijiqing&id=prov-0001&view=path")
    assert r.status_code == 200 and r.json["graph"]["selection"]["view"] == "path"
    r = sample_client.get("/export?format=csv&around=hz-sijiqing&depth=1&label=Base")
    assert r.mimetype == "application/zip" and r.data[:2] == b"PK"


def test_export_refuses_a_selection_above_the_interactive_cap(sample_client):
    r = sample_client.get("/export?format=graphml")
    assert r.status_code == 400 and "narrow it with a label or type filter" in r.data.decode()


def test_export_errors(sample_client):
    assert sample_client.get("/export").status_code == 400                      # format is required
    assert sample_client.get("/export?format=docx").status_code == 400
    assert sample_client.get("/export?format=svg&around=nope").status_code == 404
    assert sample_client.get("/export?format=svg&around=hz-sijiqing&depth=9").status_code == 400


def test_belt_brief_as_html_and_pdf(sample_client):
    r = sample_client.get("/belts/hz-sijiqing/brief.html")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("inline;")
    assert "杭州四季青服装市场" in r.data.decode() and b"<script" not in r.data
    r = sample_client.get("/belts/hz-sijiqing/brief.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF") and r.mimetype == "application/pdf"
    assert sample_client.get("/belts/nope/brief.pdf").status_code == 404
    assert sample_client.get("/belts/hz-sijiqing/brief.doc").status_code == 400
    assert sample_client.get("/belts/prov-0001/brief.html").status_code == 400


def test_search_results_download_as_csv_and_xlsx(sample_client):
    r = sample_client.get("/search/download?q=hangzhou&format=csv")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    lines = r.data.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:3] == ["类型", "ID", "名称"] and "hz-sijiqing" in r.data.decode("utf-8-sig")
    r = sample_client.get("/search/download?q=杭州&format=xlsx&label=Belt")
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.values)
    assert rows[0][0] == "类型" and all(row[0] == "产业带" for row in rows[1:]) and len(rows) > 1
    assert sample_client.get("/search/download?format=csv").status_code == 400    # q is required
    assert sample_client.get("/search/download?q=x&format=pdf").status_code == 400
