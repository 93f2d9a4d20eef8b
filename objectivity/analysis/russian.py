"""Numbers and plural forms in the layers' Russian explanations (no Django: the analysis package is pure)."""

from __future__ import annotations


def plural(count: int, one: str, few: str, many: str) -> str:
    """The form of a noun after `count`: 1 балл, 2 балла, 5 баллов (11-14 take the «many» form)."""
    tail = count % 100
    if 11 <= tail <= 14:
        return many
    return one if tail % 10 == 1 else few if 2 <= tail % 10 <= 4 else many


def decimal(value: float, digits: int = 1) -> str:
    """«3,1»: fixed digits after a decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")
