"""The belt brief: its numbers from the graph, one A4 page, every section in the PDF."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from graph import usecases
from graph.errors import BadRequest, NodeNotFound
from graph.export.words import word

from ..conftest import need

SECTIONS = ("brief.map", "brief.numbers", "brief.providers", "brief.chains", "brief.anchors", "brief.gaps",
            "brief.picture", "brief.data_date")


def test_brief_numbers_come_from_the_belt_s_supply_chains(loaded_store, config):
    d = usecases.belt_brief(loaded_store, config, "b-hz")
    assert d.counts == {"bases": 1, "supply_chains": 1, "merchants": 1, "providers": 1}
    [q] = d.quarters  # a1 sold sc1 in 2020Q1 twice (100.5 + 50); sc2 is in another belt
    assert (q.quarter, q.gmv, q.orders, q.anchors, q.supply_chains) == ("2020Q1", 150.5, 4, 1, 1)
    assert [p["id"] for p in d.providers["mcn"]] == ["p1"] and d.providers["training"] == []
    assert sorted(d.missing_roles) == ["supply_chain", "training"]
    assert [a["id"] for a in d.anchors] == ["a1"] and d.anchors[0]["gmv"] == 150.5
    assert d.version == loaded_store.version()


def test_brief_refuses_a_node_that_is_not_a_belt_and_an_unknown_id(loaded_store, config):
    with pytest.raises(BadRequest, match="not a Belt"):
        usecases.brief_file(loaded_store, config, "p1", "html")
    with pytest.raises(NodeNotFound):
        usecases.brief_file(loaded_store, config, "nope", "html")
    with pytest.raises(BadRequest, match="html or pdf"):
        usecases.brief_file(loaded_store, config, "b-hz", "docx")


def test_brief_html_has_every_section_and_no_script(loaded_store, config):
    page = usecases.brief_file(loaded_store, config, "b-hz", "html").body.decode()
    for key in SECTIONS:
        assert word(key) in page, key
    assert "杭州四季青服装市场" in page and "<script" not in page and "http" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_brief_pdf_is_one_a4_page_with_every_section(loaded_store, config, tmp_path):
    need(shutil.which("chromium") is not None or os.path.exists("/usr/bin/chromium"),
         "the PDF brief needs Chromium: apt-get install chromium fonts-noto-cjk")
    need(shutil.which("pdftotext") is not None, "reading the PDF needs pdftotext: apt-get install poppler-utils")
    f = usecases.brief_file(loaded_store, config, "b-hz", "pdf")
    assert f.body.startswith(b"%PDF")
    path = tmp_path / "brief.pdf"
    path.write_bytes(f.body)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "Pages:           1" in info and "A4" in info
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    for key in SECTIONS:
        assert word(key) in text, key
    assert "杭州四季青服装市场" in text and "杭州星辰文化传媒有限公司" in text and "2020Q1" in text
