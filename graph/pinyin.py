"""Pinyin of Chinese names, for search by full pinyin (``shuibei``) or initials (``hz``).

>>> pinyin_keys("杭州四季青")
('hangzhousijiqing', 'hzsjq')
>>> matches_any("hz", ("杭州四季青服装市场", None), "杭州四季青服装市场")
True
"""

from __future__ import annotations

import functools

from pypinyin import lazy_pinyin


@functools.lru_cache(maxsize=4096)
def pinyin_keys(text: str) -> tuple[str, str]:
    """Full pinyin and initials of a Chinese name: 杭州四季青 -> ("hangzhousijiqing", "hzsjq")."""
    syllables = lazy_pinyin(text, errors="ignore")
    return "".join(syllables).lower(), "".join(s[0] for s in syllables if s).lower()


def matches_any(q: str, texts, name: str) -> bool:
    """A search term against some texts (any case), or the pinyin (or initials) of ``name``."""
    q = q.lower()
    if any(q in (v or "").lower() for v in texts):
        return True
    term = q.replace(" ", "")
    full, initials = pinyin_keys(name)
    return term in full or (len(term) >= 2 and term in initials)
