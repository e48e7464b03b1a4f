"""ORM models for the whole domain. Importing this package registers every table."""

from industry_credit.db.models.applications import IdempotencyKey, LoanApplication
from industry_credit.db.models.audit import AuditEntry
from industry_credit.db.models.batch import BatchCheckpoint, BatchRun, RescoreResult
from industry_credit.db.models.case_signals import ReviewCaseSignal
from industry_credit.db.models.decisions import Decision, ModelVersion, RulesetVersion
from industry_credit.db.models.enterprises import (
    AlternativeDataMonthly,
    Enterprise,
    FinancialStatement,
    GreenData,
    IntellectualProperty,
    MarketPlan,
    PolicySupport,
    SupplyLink,
)
from industry_credit.db.models.governance import (
    CreditEvent,
    ModelPromotion,
    ModelReport,
    ShadowScore,
)
from industry_credit.db.models.holds import DrawdownHold
from industry_credit.db.models.ownership import EnterpriseOwner
from industry_credit.db.models.review import Review, ReviewCase
from industry_credit.db.models.users import User

__all__ = [
    "AlternativeDataMonthly",
    "AuditEntry",
    "BatchCheckpoint",
    "BatchRun",
    "CreditEvent",
    "Decision",
    "DrawdownHold",
    "Enterprise",
    "EnterpriseOwner",
    "FinancialStatement",
    "GreenData",
    "IdempotencyKey",
    "IntellectualProperty",
    "LoanApplication",
    "MarketPlan",
    "ModelPromotion",
    "ModelReport",
    "ModelVersion",
    "PolicySupport",
    "RescoreResult",
    "Review",
    "ReviewCase",
    "ReviewCaseSignal",
    "RulesetVersion",
    "ShadowScore",
    "SupplyLink",
    "User",
]
