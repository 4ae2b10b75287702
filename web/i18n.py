"""Chinese first, with an English switch: every label of the pages, in both languages.

Each blueprint adds its own messages with :func:`add`; templates call ``t("key")``. The
language comes from ``?lang=zh|en`` (remembered in a cookie) or the cookie, else Chinese.
Names from the data are shown as written. A test checks every key a template uses exists
in both languages.
"""

from __future__ import annotations

from flask import Flask, g, request

LANGS = ("zh", "en")
COOKIE = "lang"

#: key -> (Chinese, English)
MESSAGES: dict[str, tuple[str, str]] = {}


def add(messages: dict[str, tuple[str, str]]) -> None:
    for key, pair in messages.items():
        if key in MESSAGES and MESSAGES[key] != pair:
            raise ValueError(f"message {key!r} is defined twice with different texts")
        MESSAGES[key] = pair


def lang() -> str:
    return getattr(g, "lang", "zh")


def t(key: str, **values) -> str:
    """The message in the current language; ``{name}`` placeholders filled from ``values``."""
    pair = MESSAGES.get(key)
    if pair is None:
        raise KeyError(f"no message {key!r}: add it to web.i18n.MESSAGES")
    text = pair[LANGS.index(lang())]
    return text.format(**values) if values else text


def money(v) -> str:
    """CNY in the reader's units: 1.2亿 / 345.6万 in Chinese, 120M / 3.5M / 12K in English."""
    if v is None:
        return "–"
    v = float(v)
    if lang() == "zh":
        if abs(v) >= 1e8:
            return f"{v / 1e8:.2f}亿"
        if abs(v) >= 1e4:
            return f"{v / 1e4:.1f}万"
        return f"{v:,.0f}"
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(v) >= size:
            return f"{v / size:.1f}{unit}"
    return f"{v:,.0f}"


def number(v, digits: int = 0) -> str:
    """1,234 for whole numbers, 0.97 with ``digits`` for the others; – for a missing value."""
    if v is None:
        return "–"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return f"{v:,.{digits}f}"


def init_app(app: Flask) -> None:
    @app.before_request
    def choose_language():
        asked = request.args.get("lang")
        g.lang = asked if asked in LANGS else request.cookies.get(COOKIE) if request.cookies.get(COOKIE) in LANGS else "zh"
        g.set_lang_cookie = asked in LANGS

    @app.after_request
    def remember_language(response):
        if getattr(g, "set_lang_cookie", False):
            response.set_cookie(COOKIE, g.lang, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    app.jinja_env.globals.update(t=t, lang=lang, money=money, number=number, LANGS=LANGS,
                                 label_name=label_name, category_name=category_name)


add({
    "brand": ("产业带图谱", "BeltGraph"),
    "lang.switch": ("English", "中文"),
    "data.version": ("数据版本", "Data version"),
    "error.back": ("返回搜索", "Back to search"),
    "error.title": ("出错了", "Something went wrong"),
    "error.search": ("搜索其他实体", "Search for something else"),
    "empty.store": ("还没有数据。请先导入一个数据包：", "The store is empty. Load a bundle:"),
    "label.Belt": ("产业带", "Belt"), "label.Base": ("基地", "Base"), "label.Provider": ("服务商", "Provider"),
    "label.SupplyChain": ("供应链", "Supply chain"), "label.Anchor": ("主播", "Anchor"),
    "label.Merchant": ("商家", "Merchant"), "label.TeamLeader": ("招商团长", "Team leader"),
    "category.apparel": ("服装", "Apparel"), "category.jewelry": ("珠宝", "Jewelry"),
    "category.jade": ("玉石", "Jade"), "category.rosewood": ("红木", "Rosewood"),
    "division.big_apparel": ("大服饰", "Big apparel"), "division.premium_consumer": ("高端消费", "Premium consumer"),
    "division.home_living": ("家居生活", "Home living"),
    "role.training": ("培训服务商", "Training"), "role.mcn": ("MCN机构", "MCN"),
    "role.belt": ("产业带服务商", "Industry belt"), "role.supply_chain": ("供应链服务商", "Supply chain"),
    "tier.gold": ("金牌", "Gold"), "tier.silver": ("银牌", "Silver"),
    "tier.head": ("头部", "Head"), "tier.mid": ("腰部", "Mid"), "tier.tail": ("尾部", "Tail"),
    "plaque.yes": ("有牌匾", "Plaque"), "plaque.no": ("无牌匾", "No plaque"),
    "level": ("等级", "Level"),
    "download.csv": ("下载 CSV", "Download CSV"), "download.xlsx": ("下载 Excel", "Download Excel"),
    "download.json": ("下载 JSON", "Download JSON"),
    "more": ("更多", "more"), "none": ("无", "none"),
    "export.links": ("导出图片与数据：", "Export picture and data:"),
    "export.brief": ("简报 PDF", "Brief (PDF)"), "export.brief_html": ("打印版", "Printable page"),
    "prev": ("上一页", "Previous"), "next": ("下一页", "Next"),
})


def label_name(label: str) -> str:
    return t(f"label.{label}")


def category_name(category: str | None) -> str:
    """A category's name in the current language; categories outside the four as written."""
    if not category:
        return "–"
    return t(f"category.{category}") if f"category.{category}" in MESSAGES else category
