"""The oracle's part of a report: one summary over the functions checked."""

from __future__ import annotations

from typing import Any

ORACLE_COUNTS = ("judged", "disputed", "audited", "failed", "kinks", "unresolved", "undefined")


def oracle_summary(parts: tuple[dict, ...]) -> dict[str, Any]:
    """The report's one ``"oracle"`` object: counts summed over the functions checked,
    ``available`` only if the oracle was available for every one of them."""
    reasons = [f"{p['name']}: {p['unavailable_reason']}" for p in parts if not p["available"]]
    out: dict[str, Any] = {
        "available": not reasons,
        "unavailable_reason": "; ".join(reasons),
    }
    for key in ORACLE_COUNTS:
        out[key] = sum(int(p.get(key, 0)) for p in parts)
    out["max_digits"] = max((int(p.get("max_digits", 0)) for p in parts), default=0)
    examples = [p["kink_example"] for p in parts if p.get("kink_example")]
    out["kink_example"] = examples[0] if examples else None
    return out
