"""A refusal as the case page shows it: the error code's label, then the field at fault or the
reason, in the page's language.

The services word their refusals in English for the API. On a Chinese page the known reasons are
shown in Chinese (matched on the start of the service's message), and an unknown one is left out
rather than shown in English; the code's label always says what kind of refusal it was.
"""

from __future__ import annotations

from typing import Final

from industry_credit.errors import DomainError
from industry_credit.review.messages import CATALOGUE

# The start of a service message -> its Chinese wording.
ZH_REASONS: Final[tuple[tuple[str, str], ...]] = (
    ("you already agreed to this proposal", "您已同意该提议，须由另一位风险经理决定"),
    ("you overrode this case", "您改判了此案，须由另一位风险经理批准"),
    ("you submitted this application", "您提交了该申请，不得审查"),
    ("the engine declined", "引擎结论为拒绝：批准须以改判提出条款"),
    ("nothing changed", "条款与引擎相同：请直接批准或拒绝"),
    ("a batch flag has no engine terms", "批量预警没有可改判的引擎条款"),
    ("a batch flag has no submitting RM", "批量预警没有可询问的客户经理"),
    ("an approving override needs", "批准的改判须有正的额度、期限和至少一个产品"),
    ("an override needs at least one reason code", "改判须至少选择一个原因代码"),
    ("case ", "案件状态已变化，请刷新后再试"),
)


def error_view(exc: DomainError, lang: str) -> dict[str, str]:
    """``code``, ``field`` (only one the page can name) and ``message`` in ``lang``."""
    field = exc.fields[0]["path"].removeprefix("$.") if exc.fields else ""
    if f"error.field.{field}" not in CATALOGUE[lang]:
        field = ""
    message = exc.message if lang == "en" else _zh(exc.message)
    if exc.code == "case_claimed":
        message = ""  # the holder card says who holds the case, in the page's language
    return {"code": exc.code, "field": field, "message": message}


def _zh(message: str) -> str:
    for start, zh in ZH_REASONS:
        if message.startswith(start):
            return zh
    return ""
