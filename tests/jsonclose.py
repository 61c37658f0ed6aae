"""Two JSON values equal but for floats within a tolerance: a model refitted on another processor (shared by tests)."""

from __future__ import annotations


def close(a, b, tol: float = 1e-5) -> bool:
    """Same keys, lengths and other values; floats (and numbers compared with floats) within `tol`."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and abs(a - b) <= tol
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(close(a[k], b[k], tol) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(close(x, y, tol) for x, y in zip(a, b, strict=True))
    return a == b
