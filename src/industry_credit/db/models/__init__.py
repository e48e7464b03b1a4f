"""ORM models for the whole domain. Importing this package registers every table."""

from industry_credit.db.models.applications import IdempotencyKey, LoanApplication
from industry_credit.db.models.audit import AuditEntry
from industry_credit.db.models.batch import BatchCheckpoint, BatchRun, RescoreResult
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
from industry_credit.db.models.holds import DrawdownHold
from industry_credit.db.models.ownership import EnterpriseOwner
from industry_credit.db.models.review import Review, ReviewCase
from industry_credit.db.models.users import User

__all__ = [
    "AlternativeDataMonthly",
    "AuditEntry",
    "BatchCheckpoint",
    "BatchRun",
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
    "ModelVersion",
    "PolicySupport",
    "RescoreResult",
    "Review",
    "ReviewCase",
    "RulesetVersion",
    "SupplyLink",
    "User",
]
