"""Labels of claiming and assigning cases and of a nightly flag's reasons, in Chinese and English
(merged by ``messages``)."""

from __future__ import annotations

from typing import Final

# key: (中文, English)
PAIRS: Final[dict[str, tuple[str, str]]] = {
    "col.holder": ("经办人", "Held by"),
    "filter.holder": ("经办", "Holder"),
    "holder.filter_me": ("我经办的", "Held by me"),
    "holder.filter_none": ("无人认领", "Free"),
    "holder.you": ("（我）", "(you)"),
    "holder.free": ("无人认领", "free"),
    "claim.title": ("经办", "Holder"),
    "claim.held_by": ("由 {who} 经办", "Held by {who}"),
    "claim.free": (
        "尚无人认领；认领后其他风险经理不能处理此案。",
        "Free: once claimed, no other officer may decide it.",
    ),
    "claim.claim": ("认领此案", "Claim this case"),
    "claim.release": ("释放此案", "Release this case"),
    "claim.assign": ("指派给", "Assign to"),
    "claim.assign_submit": ("指派", "Assign"),
    "claim.nobody": ("（无人，释放）", "(nobody: free it)"),
    "claim.held_by_other": (
        "此案由 {who} 经办：需其释放，或由主管（管理员）改派后，您才能处理。",
        "{who} holds this case: they must release it, or a lead (admin) must reassign it, before you can act.",
    ),
    "claim.done_claim": ("已认领。", "Claimed."),
    "claim.done_release": ("已释放。", "Released."),
    "claim.done_assign": ("已指派。", "Assigned."),
    "claim.handed_on": (
        "第一签后案件自动释放，等待另一位风险经理认领并第二签。",
        "After the first signature the case is released for a second officer to claim and sign.",
    ),
    "error.code.case_claimed": ("此案已由其他风险经理经办", "Another officer holds this case"),
    "error.field.officer": ("请选择在职的风险经理", "choose an active risk officer"),
    "case.reasons_batch": (
        "{d} 夜间重评为该预警企业计算的主要原因（TreeSHAP），提高风险的前几项。",
        "The principal reasons the nightly run of {d} computed for this flagged firm (TreeSHAP): the features that raised its risk most.",
    ),
    "case.waterfall_sum": ("以上合计", "Sum of the above"),
    "action.claim": ("认领", "Claim"),
    "action.release": ("释放", "Release"),
    "action.assign": ("指派", "Assign"),
}
