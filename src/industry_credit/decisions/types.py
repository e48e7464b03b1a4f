"""What the decision engine takes and gives, independent of how it computes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from industry_credit.applications.schemas import ApplicationDocument
from industry_credit.canonical import content_sha256

if TYPE_CHECKING:
    from industry_credit.decisions.pipeline import FrameDecisions
    from industry_credit.ml.columns import ColumnTable
    from industry_credit.rules.ruleset import Ruleset


@dataclass(frozen=True)
class DecisionInput:
    """Everything a decision depends on; replay recomputes from exactly this."""

    document: ApplicationDocument
    as_of: date
    # Latest known PD of counterparties that are themselves known to the bank: (uscc, pd).
    counterparty_risk: tuple[tuple[str, float], ...] = ()
    # The bank's book when the decision was taken, for the portfolio limits: outstanding
    # exposure in total and in the applicant's sector and district (("total", x), ("sector", x),
    # ("district", x)); empty when not known (no limit is then checked).
    book: tuple[tuple[str, float], ...] = ()

    def snapshot(self) -> dict[str, Any]:
        snapshot: dict[str, Any] = {
            "document": self.document.model_dump(mode="json"),
            "as_of": self.as_of.isoformat(),
            "counterparty_risk": [[uscc, pd] for uscc, pd in self.counterparty_risk],
        }
        if self.book:  # absent rather than empty: older snapshots keep their hash
            snapshot["book"] = [[k, v] for k, v in self.book]
        return snapshot

    def sha256(self) -> str:
        return content_sha256(self.snapshot())

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> DecisionInput:
        return cls(
            document=ApplicationDocument.model_validate(snapshot["document"]),
            as_of=date.fromisoformat(snapshot["as_of"]),
            counterparty_risk=tuple((str(u), float(p)) for u, p in snapshot["counterparty_risk"]),
            book=tuple((str(k), float(v)) for k, v in snapshot.get("book", [])),
        )


@dataclass(frozen=True)
class EngineResult:
    """The decision fields of DOMAIN.md's decision document (without ids and timestamps)."""

    decision: dict[str, Any]
    features: dict[str, Any] = field(default_factory=dict)
    # The challenger's PD, grade and outcome when one is set (never part of the decision).
    shadow: dict[str, Any] | None = None


class DecisionEngine(Protocol):
    model_version: str
    ruleset_version: str
    ruleset: Ruleset
    reasons_version: int  # the renderer of the reason sentences (ml.reasons)

    def decide(self, inputs: list[DecisionInput]) -> list[EngineResult]: ...

    def decide_loans(self, item: DecisionInput, loans: ColumnTable) -> FrameDecisions: ...

    def explain(self, item: DecisionInput) -> dict[str, Any]: ...


class EngineRegistry(Protocol):
    """The active engine, and any past (model, ruleset) pair for replay."""

    def active(self) -> DecisionEngine: ...

    def for_versions(
        self, *, model_version: str, ruleset_version: str, reasons_version: int = ...
    ) -> DecisionEngine: ...
