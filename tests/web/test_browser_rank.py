"""Rankings, reviews and coverage in Chromium: badges, the quarter and pool selectors, downloads
that open as tables, and the screenshots for docs/screenshots."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_rank_page_shows_ten_gold_and_reloads_with_the_chosen_quarter(page, sample_server):
    page.goto(sample_server + "/rank")
    assert page.title() == "金银牌供应链排名 · BeltGraph"
    assert page.locator("#ranking .badge.gold").count() == 10
    assert page.locator("#ranking .badge.silver").count() == 50
    assert page.locator("#ranking svg.points").first.is_visible()
    screenshot(page, "rank")
    page.select_option("select[name=quarter]", "2020Q3")
    page.wait_for_url("**/rank?quarter=2020Q3")  # empty pool fields are left out of the address
    assert page.locator("h1 small").inner_text() == "2020Q3"
    assert page.locator("#ranking .badge.gold").count() == 10
    assert "与上季度 2020Q2 相比" in page.locator("#movers h2").inner_text()


def test_choosing_a_pool_clears_the_other_kinds(page, sample_server):
    page.goto(sample_server + "/rank?division=big_apparel")
    page.select_option("select[name=category]", "jade")
    page.wait_for_url("**category=jade**")
    assert "division" not in page.url and "类目：玉石" in page.locator(".lede").inner_text()
    page.locator("#ranking tbody tr").first.locator("a", has_text="差多少").click()
    page.wait_for_url("**/rank/explain/**category=jade**")
    assert page.locator("#target-gold .headline").inner_text().startswith("已在金牌区间")


def test_csv_download_opens_as_a_table_with_chinese_names(page, sample_server):
    page.goto(sample_server + "/rank")
    with page.expect_download() as info:
        page.click("a:has-text('下载 CSV')")
    download = info.value
    assert download.suggested_filename.startswith("rank-2020Q4") and download.suggested_filename.endswith(".csv")
    raw = download.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
    assert rows[0][:5] == ["排名", "等级", "ID", "供应链", "得分"]
    assert len(rows) - 1 >= 60
    first = page.locator("#ranking tbody tr").first
    assert rows[1][3] == first.locator("td.name a").inner_text() and "供应链" in rows[1][3]
    assert [r[1] for r in rows[1:61]] == ["金牌"] * 10 + ["银牌"] * 50


def test_xlsx_download_has_numbers_as_numbers(page, sample_server):
    page.goto(sample_server + "/rank?category=jade")
    with page.expect_download() as info:
        page.click("a:has-text('下载 Excel')")
    assert info.value.suggested_filename.endswith(".xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    header = [c.value for c in ws[1]]
    assert header[:5] == ["排名", "等级", "ID", "供应链", "得分"]
    assert ws.max_row - 1 > 60
    second = [c.value for c in ws[3]]
    assert second[0] == 2 and isinstance(second[4], float) and isinstance(second[6], int)  # rank, score, anchors


def test_reviews_page_shows_outcomes(page, sample_server):
    page.goto(sample_server + "/reviews")
    assert page.title() == "服务商季度考核 · BeltGraph"
    kpis = page.locator("#outcomes")
    for label in ("保留牌匾", "重获牌匾", "摘牌", "仍无牌匾", "升级", "降级"):
        assert kpis.get_by_text(label, exact=True).is_visible()
    assert page.locator("#review-items tbody tr").count() == 500
    screenshot(page, "reviews")
    page.select_option("select[name=outcome]", "revoked")
    page.wait_for_url("**outcome=revoked**")
    outcomes = set(page.locator("#review-items tbody tr").evaluate_all("rows => rows.map(r => r.dataset.outcome)"))
    assert outcomes == {"revoked"}
    page.locator("#review-items tbody tr").first.locator("td.provider a").click()
    page.wait_for_url("**/reviews/prov-*")
    assert page.locator("#history tbody tr").count() == 2


def test_coverage_page_renders_the_matrix(page, sample_server):
    page.goto(sample_server + "/gaps")
    assert page.title() == "服务覆盖缺口 · BeltGraph"
    assert page.locator("#matrix tbody tr").count() == 60
    assert page.locator("#matrix td.gap").count() > 0
    assert page.locator("#matrix thead").inner_text().split()[:6] == ["产业带", "类目", "培训服务商", "MCN机构",
                                                                       "产业带服务商", "供应链服务商"]
    screenshot(page, "coverage")
