"""The few words an exported file shows (legends, headings of the belt brief), in Chinese
(default) or English. The web's own messages live in web/i18n.py; these travel in the files.

>>> word("label.Belt"), word("label.Belt", "en"), word("tier.gold", "zh")
('产业带', 'Belt', '金牌')
"""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "label.Belt": ("产业带", "Belt"), "label.Base": ("基地", "Base"), "label.Provider": ("服务商", "Provider"),
    "label.SupplyChain": ("供应链", "Supply chain"), "label.Anchor": ("主播", "Anchor"),
    "label.Merchant": ("商家", "Merchant"), "label.TeamLeader": ("招商团长", "Team leader"),
    "tier.gold": ("金牌", "Gold"), "tier.silver": ("银牌", "Silver"),
    "role.training": ("培训服务商", "Training"), "role.mcn": ("MCN机构", "MCN"),
    "role.belt": ("产业带服务商", "Industry belt"), "role.supply_chain": ("供应链服务商", "Supply chain"),
    "plaque.yes": ("有牌", "plaque"), "plaque.no": ("摘牌", "no plaque"),
    "size": ("大小：关联数", "size: connections"),
    "shown": ("内容", "Shows"), "data": ("数据版本", "Data version"), "date": ("导出日期", "Exported"),
    "find": ("查找名称", "Find a name"),
    "nodes": ("节点", "nodes"), "rels": ("关系", "relationships"),
    "title.network": ("关系网络", "Network"),
    # the belt brief
    "brief.title": ("产业带简报", "Belt brief"),
    "brief.map": ("地图位置", "On the map"),
    "brief.numbers": ("分季度关键数据", "Key numbers by quarter"),
    "brief.providers": ("服务商（按角色）", "Providers by role"),
    "brief.chains": ("供应链（等级与得分）", "Supply chains: tiers and points"),
    "brief.anchors": ("头部主播", "Top anchors"),
    "brief.gaps": ("缺口", "Gaps"),
    "brief.picture": ("关系网络图", "Neighbourhood"),
    "brief.data_date": ("数据日期", "Data date"),
    "brief.quarter": ("季度", "Quarter"), "brief.gmv": ("GMV（元）", "GMV (CNY)"),
    "brief.sessions": ("直播场次", "Live sessions"), "brief.anchor_count": ("带货主播", "Anchors selling"),
    "brief.chain_count": ("动销供应链", "Supply chains selling"), "brief.orders": ("订单", "Orders"),
    "brief.rank": ("排名", "Rank"), "brief.tier": ("等级", "Tier"), "brief.name": ("名称", "Name"),
    "brief.score": ("得分", "Score"), "brief.level": ("等级", "Level"), "brief.plaque": ("牌匾", "Plaque"),
    "brief.followers": ("粉丝", "Followers"), "brief.none": ("无", "none"),
    "brief.missing_role": ("没有{role}", "no {role}"),
    "brief.no_tier": ("本季度没有金牌或银牌供应链", "no gold or silver supply chain this quarter"),
    "brief.no_gaps": ("四类服务商齐全，且有金银牌供应链",
                      "all four provider roles present and gold/silver supply chains"),
    "brief.counts": ("基地 {bases} · 供应链 {chains} · 商家 {merchants} · 服务商 {providers}",
                     "{bases} bases · {chains} supply chains · {merchants} merchants · {providers} providers"),
    "brief.not_ranked": ("未参与排名", "not ranked"),
    "brief.more": ("另有 {n} 条", "and {n} more"),
    "brief.points": ("得分构成", "Points"),
    "metric.gmv": ("GMV", "GMV"), "metric.anchor_reach": ("带货主播", "anchors"),
    "metric.fulfillment_rate": ("履约率", "fulfilment"), "metric.return_rate": ("退货率", "returns"),
    "metric.rating": ("评分", "rating"),
}

LANGS = ("zh", "en")


def word(key: str, lang: str = "zh", **values) -> str:
    """The text of ``key`` in ``lang`` (zh or en), with ``{name}`` placeholders filled."""
    pair = WORDS.get(key)
    text = key if pair is None else pair[0 if lang != "en" else 1]
    return text.format(**values) if values else text
