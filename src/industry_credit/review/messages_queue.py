"""Labels of the queue's priority, the batch case's nightly signals and the morning digest, in
Chinese and English. Kept apart from ``messages.py``; ``messages`` merges them."""

from __future__ import annotations

from typing import Final

# key: (中文, English)
PAIRS: Final[dict[str, tuple[str, str]]] = {
    "sort.priority": ("优先级", "Priority"),
    "sort.expected_loss": ("预期损失", "Expected loss"),
    "col.priority": ("优先级依据", "Why here"),
    "prio.sla_breached": ("已超时 {h} 小时（SLA {sla} 小时）", "SLA breached: {h} h (SLA {sla} h)"),
    "prio.worsened": ("今夜恶化", "Worsened tonight"),
    "prio.cleared": ("信号已解除，待经理结案", "Signals cleared: an officer may close it"),
    "prio.expected_loss": ("预期损失 {v}", "Expected loss {v}"),
    "prio.severity": ("信号严重度 {v}", "Severity {v}"),
    "change.downgrade": ("评级下调", "downgraded"),
    "change.expected_loss_up": ("预期损失上升", "expected loss up"),
    "change.new_flag": ("新增信号：{f}", "new flag: {f}"),
    "signals.title": ("夜间信号历史", "Nightly signal history"),
    "signals.as_of": ("批量日期", "Run date"),
    "signals.state": ("状态", "State"),
    "signals.changes": ("变化", "Changes"),
    "signals.el": ("预期损失", "Expected loss"),
    "signals.lgd": ("LGD", "LGD"),
    "signals.none": ("尚无夜间信号。", "No nightly signals yet."),
    "signal_state.new": ("新增", "New"),
    "signal_state.unchanged": ("未变", "Unchanged"),
    "signal_state.worsened": ("恶化", "Worsened"),
    "signal_state.cleared": ("已解除", "Cleared"),
    "nav.digest": ("晨间摘要", "Morning digest"),
    "digest.title": ("晨间摘要", "Morning digest"),
    "digest.run": ("批量日期 {d} · 运行 {r}", "Run of {d} · {r}"),
    "digest.no_run": ("尚无完成的夜间批量。", "No nightly run has finished yet."),
    "digest.new": ("今夜新增", "New tonight"),
    "digest.worsened": ("恶化", "Worsened"),
    "digest.cleared": ("已解除，待结案", "Cleared, to close"),
    "digest.sla_at_risk": ("SLA 临近或超时", "SLA at risk"),
    "digest.deferred": (
        "因容量未入队 {n} 家（预期损失合计 {v}），见批量报告与产业链全景。",
        "{n} firms deferred by capacity (expected loss {v}); see the run report and panorama.",
    ),
    "digest.empty": ("无", "None"),
    "digest.hours_left": ("剩余 {h} 小时", "{h} h left"),
    "digest.overdue": ("已超时 {h} 小时", "{h} h overdue"),
    "panorama.deferred_title": ("因容量未入队的预警企业", "Flagged firms deferred by capacity"),
    "panorama.deferred_note": (
        "最新批量 {d}：{n} 家，预期损失合计 {v}；按预期损失列出前 {k} 家。",
        "Latest run {d}: {n} firms, expected loss {v}; the {k} largest by expected loss.",
    ),
}
