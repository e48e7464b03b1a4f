"""The ruleset's ``review_queue`` section: how the nightly review queue values and orders cases.

Expected loss = PD × exposure × LGD. The LGD of a firm's loan is the lowest of the product's
LGD (``lgd_by_product``, else ``lgd_default``) and the LGDs of the collateral kinds pledged
(``lgd_by_collateral``): collateral can only lower the loss, never raise it. Without a loan
application the loan is the firm's exposure, unsecured, at ``lgd_default``; a firm with neither
exposure nor application is valued at ``nominal_exposure``.

Severity of a signal is the largest weight (``severity``) of its flags. Flags in
``must_review_flags`` send the firm to a person whatever the night's capacity. An open case is
worsened tonight when it gains a flag, is downgraded against its last signal, or its expected
loss rose by at least ``worsened_el_ratio``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from industry_credit.rules.errors import RulesetError
from industry_credit.vocabulary import COLLATERAL, PRODUCT_CODES

SECTION = "review_queue"

DEFAULT_SEVERITY: Mapping[str, int] = {
    "green_compliance_violation": 4,
    "pd_above_cutoff": 4,
    "early_warning": 3,
    "downgrade_2_notches": 2,
    "contagion": 1,
}


@dataclass(frozen=True)
class QueuePolicy:
    lgd_default: float = 0.45
    lgd_by_collateral: Mapping[str, float] = field(default_factory=dict)
    lgd_by_product: Mapping[str, float] = field(default_factory=dict)
    nominal_exposure: float = 1_000_000.0
    must_review_flags: tuple[str, ...] = ("green_compliance_violation", "pd_above_cutoff")
    severity: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    worsened_el_ratio: float = 1.10

    def lgd(self, product: str | None, collateral: Iterable[str] | None) -> float:
        base = self.lgd_by_product.get(product or "", self.lgd_default)
        pledged = [
            self.lgd_by_collateral[c] for c in collateral or () if c in self.lgd_by_collateral
        ]
        return min([base, *pledged])

    def severity_of(self, flags: Sequence[str]) -> int:
        return max((self.severity.get(f, 0) for f in flags), default=0)

    def to_json(self) -> dict[str, Any]:
        return {
            "lgd_default": self.lgd_default,
            "lgd_by_collateral": dict(self.lgd_by_collateral),
            "lgd_by_product": dict(self.lgd_by_product),
            "nominal_exposure": self.nominal_exposure,
            "must_review_flags": list(self.must_review_flags),
            "severity": dict(self.severity),
            "worsened_el_ratio": self.worsened_el_ratio,
        }


def _fraction(where: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise RulesetError(f"{SECTION}.{where}", f"must be a number from 0 to 1, got {value!r}")
    return float(value)


def _lgd_map(where: str, raw: object, allowed: Sequence[str]) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RulesetError(f"{SECTION}.{where}", "must be a mapping of code -> LGD")
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise RulesetError(f"{SECTION}.{where}", f"unknown codes {unknown}")
    return {str(k): _fraction(f"{where}.{k}", v) for k, v in raw.items()}


def parse_review_queue(raw: object) -> QueuePolicy:
    """The section validated (absent: the defaults above)."""
    if raw is None:
        return QueuePolicy()
    if not isinstance(raw, dict):
        raise RulesetError(SECTION, "must be a mapping")
    known = set(QueuePolicy.__dataclass_fields__)
    unknown = sorted(str(k) for k in raw if k not in known)
    if unknown:
        raise RulesetError(SECTION, f"unknown keys {unknown} (allowed: {sorted(known)})")
    base = QueuePolicy()
    nominal = raw.get("nominal_exposure", base.nominal_exposure)
    if isinstance(nominal, bool) or not isinstance(nominal, int | float) or nominal <= 0:
        raise RulesetError(
            f"{SECTION}.nominal_exposure", f"must be a positive amount, got {nominal!r}"
        )
    ratio = raw.get("worsened_el_ratio", base.worsened_el_ratio)
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or ratio < 1:
        raise RulesetError(f"{SECTION}.worsened_el_ratio", f"must be a number >= 1, got {ratio!r}")
    must = raw.get("must_review_flags", list(base.must_review_flags))
    if not isinstance(must, list) or not all(isinstance(f, str) and f for f in must):
        raise RulesetError(f"{SECTION}.must_review_flags", "must be a list of flag codes")
    severity = raw.get("severity", dict(base.severity))
    if not isinstance(severity, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 9 for v in severity.values()
    ):
        raise RulesetError(f"{SECTION}.severity", "must map flag codes to integers 0-9")
    return QueuePolicy(
        lgd_default=_fraction("lgd_default", raw.get("lgd_default", base.lgd_default)),
        lgd_by_collateral=_lgd_map(
            "lgd_by_collateral",
            raw.get("lgd_by_collateral"),
            [c for c in COLLATERAL if c != "none"],
        ),
        lgd_by_product=_lgd_map("lgd_by_product", raw.get("lgd_by_product"), PRODUCT_CODES),
        nominal_exposure=float(nominal),
        must_review_flags=tuple(must),
        severity={str(k): int(v) for k, v in severity.items()},
        worsened_el_ratio=float(ratio),
    )


def queue_policy(content: Mapping[str, Any]) -> QueuePolicy:
    """The policy of a ruleset's content (``Ruleset.content``)."""
    return parse_review_queue(content.get(SECTION))
