"""Labels of the model-governance pages (champion, challenger, backtest and compare reports).

Kept apart from ``messages.py`` so each catalogue stays readable; ``messages`` merges them.
"""

from __future__ import annotations

from typing import Final

# key: (中文, English)
PAIRS: Final[dict[str, tuple[str, str]]] = {
    "nav.models": ("模型治理", "Model governance"),
    "models.title": ("模型治理：冠军与挑战者", "Model governance: champion and challenger"),
    "models.champion": ("冠军模型", "Champion"),
    "models.challenger": ("挑战者模型（影子运行）", "Challenger (in shadow)"),
    "models.none": ("无", "none"),
    "models.versions": ("模型版本", "Model versions"),
    "models.registered": ("登记时间", "Registered"),
    "models.activated": ("启用时间", "Activated"),
    "models.reports": ("已存报告", "Stored reports"),
    "models.no_reports": ("尚无报告。", "No report yet."),
    "models.kind.backtest": ("回测", "Backtest"),
    "models.kind.compare": ("冠军/挑战者比较", "Champion/challenger comparison"),
    "models.run_compare": ("比较挑战者与冠军", "Compare the challenger with the champion"),
    "models.run_backtest": ("回测模型", "Backtest a model"),
    "models.model": ("模型", "Model"),
    "models.from": ("起始日", "From"),
    "models.to": ("截止日", "To"),
    "models.cohort_from": ("评级起始日", "Cohort from"),
    "models.cohort_to": ("评级截止日", "Cohort to"),
    "models.horizon": ("观察期（月）", "Horizon (months)"),
    "models.as_of": ("违约信息截至", "Outcomes known to"),
    "models.submit": ("生成报告", "Produce the report"),
    "models.report": ("报告", "Report"),
    "models.kind": ("类型", "Kind"),
    "models.created": ("生成时间", "Produced"),
    "models.bad_input": ("日期或参数无效。", "A date or parameter is invalid."),
    "models.no_challenger": (
        "未设置挑战者：管理员用 industry-credit models challenger 设置。",
        "No challenger is set: an admin sets one with industry-credit models challenger.",
    ),
    "models.promotion_hint": (
        "新冠军需两位管理员：一位引用报告编号提议，另一位批准（industry-credit models activate）。",
        "A new champion needs two admins: one proposes citing a report id, another approves"
        " (industry-credit models activate).",
    ),
}
