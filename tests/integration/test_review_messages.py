"""The message catalogue: both languages hold the same keys, every code a page shows has a
label, and every template key exists."""

from __future__ import annotations

import re
from pathlib import Path

from industry_credit.review import messages
from industry_credit.review.codes import DIRECTIONS, REASON_CODES
from industry_credit.vocabulary import DISTRICTS, PRODUCT_CODES, SECTORS, STAGES

TEMPLATES = Path(messages.__file__).parent / "templates"


def test_both_languages_have_the_same_keys() -> None:
    assert set(messages.CATALOGUE["zh"]) == set(messages.CATALOGUE["en"])


def test_every_code_has_a_label() -> None:
    zh = messages.CATALOGUE["zh"]
    for kind, codes in (
        ("district", DISTRICTS),
        ("sector", SECTORS),
        ("stage", STAGES),
        ("product", PRODUCT_CODES),
        ("reason", REASON_CODES),
        ("direction", DIRECTIONS),
        ("outcome", ("approve", "refer", "decline")),
        ("source", ("refer", "qc_sample", "batch_flag", "info_answered")),
        ("status", ("open", "awaiting_second", "info_requested", "closed")),
        ("action", ("approve", "decline", "override", "request_info", "answer_info")),
    ):
        missing = [c for c in codes if f"{kind}.{c}" not in zh]
        assert not missing, (kind, missing)


def test_templates_use_only_known_keys() -> None:
    literal = re.compile(r"""\bt\(\s*'([a-z_.]+)'\s*[,)]""")
    known = set(messages.CATALOGUE["zh"])
    for template in TEMPLATES.glob("*.html"):
        used = set(literal.findall(template.read_text(encoding="utf-8")))
        assert used <= known, (template.name, sorted(used - known))


def test_unknown_language_falls_back_to_chinese_and_formats() -> None:
    t = messages.translator("fr")
    assert t("queue.total", n=3) == "共 3 件"
    assert messages.translator("en")("queue.total", n=3) == "3 cases"
    assert messages.code_label("en", "district", "lingang") == "Lingang"
    assert messages.code_label("en", "district", "atlantis") == "atlantis"
