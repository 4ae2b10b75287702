"""What a match score is made of, for a surface that shows its parts."""

from __future__ import annotations

from ..matching import WEIGHTS


def match_weights() -> dict[str, float]:
    """The weight of each part of a match score (``usecases.match``), in the order of its
    ``parts``: category, standing, strength, closeness; they sum to 1.

    >>> round(sum(match_weights().values()), 9)
    1.0
    """
    return dict(WEIGHTS)


__all__ = ["match_weights"]
