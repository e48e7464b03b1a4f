"""Unified social credit codes and Chinese company names for synthetic enterprises, vectorized.

A USCC is ``9`` (registered by market regulation) ``1`` (company), the six-digit administrative
region of the district, nine characters of organisation code, and the GB 32100-2015 check digit.
The organisation code is an affine bijection of the enterprise id modulo 31**9 (with a
seed-dependent offset), so codes are unique by construction, not by rejection sampling.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from industry_credit.uscc import ALPHABET, WEIGHTS

_ALPHABET_BYTES: Final[np.ndarray] = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_WEIGHTS: Final[np.ndarray] = np.array(WEIGHTS, dtype=np.int64)
_ORG_SPACE: Final[int] = 31**9
# Multiplier coprime to 31, so id -> (id * M + offset) mod 31**9 is a bijection.
_ORG_MULTIPLIER: Final[int] = 7_919_000_003

# Administrative region codes (行政区划代码) by district, in vocabulary order; Lingang sits in
# Pudong's code range; firms outside Shanghai come from the Yangtze delta.
_REGION_CODES: Final[tuple[tuple[str, ...], ...]] = (
    ("310115",),
    ("310117",),
    ("310118",),
    ("310115",),
    ("310104", "310105", "310107", "310110", "310112", "310113", "310114", "310120"),
    ("320500", "330100", "340100", "320100", "320200"),
)
_CITY: Final[tuple[str, ...]] = ("上海",) * 5 + ("长三角",)
_OUTSIDE_CITIES: Final[tuple[str, ...]] = ("苏州", "杭州", "合肥", "南京", "无锡")

_WORD_A: Final[tuple[str, ...]] = tuple(
    [
        "华",
        "联",
        "芯",
        "智",
        "云",
        "星",
        "鸿",
        "启",
        "睿",
        "博",
        "恒",
        "瀚",
        "锐",
        "辰",
        "拓",
        "海",
        "天",
        "中",
        "东",
        "浦",
        "松",
        "青",
        "临",
        "江",
        "衡",
        "卓",
        "凌",
        "远",
        "未",
        "光",
        "晶",
        "擎",
        "灵",
        "极",
        "宏",
        "新",
        "安",
        "创",
        "元",
        "量",
    ]
)
_WORD_B: Final[tuple[str, ...]] = tuple(
    [
        "科",
        "微",
        "视",
        "算",
        "联",
        "达",
        "源",
        "图",
        "跃",
        "驰",
        "创",
        "铭",
        "思",
        "芯",
        "晟",
        "泰",
        "德",
        "讯",
        "途",
        "曜",
        "岳",
        "鲲",
        "鹏",
        "翼",
        "石",
        "川",
        "河",
        "行",
        "航",
        "盛",
        "朗",
        "汇",
        "越",
        "途",
        "嘉",
        "和",
        "信",
        "宇",
        "峰",
        "澜",
    ]
)
_SECTOR_WORD: Final[tuple[str, ...]] = (
    "智能终端",
    "智能科技",
    "智算科技",
    "机器人",
    "智能眼镜",
    "卫星通信",
    "康养科技",
    "工业智能",
    "量子科技",
    "半导体",
    "人工智能",
    "微电子",
    "电子科技",
)
_FORM: Final[tuple[str, ...]] = ("有限公司", "股份有限公司")


def uscc_codes(ids: np.ndarray, district: np.ndarray, seed: int) -> pa.Array:
    """Valid, unique 18-character codes for enterprise ``ids`` (int64) in ``district`` (index)."""
    n = len(ids)
    chars = np.empty((n, 18), dtype=np.int64)
    chars[:, 0] = 9
    chars[:, 1] = 1
    # Region: the district's code, or one of its sub-codes picked by id.
    region = np.empty((n, 6), dtype=np.int64)
    for d, codes in enumerate(_REGION_CODES):
        mask = district == d
        if not mask.any():
            continue
        table = np.array([[int(c) for c in code] for code in codes], dtype=np.int64)
        region[mask] = table[ids[mask] % len(codes)]
    chars[:, 2:8] = region
    offset = (seed * 1_000_003) % _ORG_SPACE
    org = (ids.astype(np.int64) % _ORG_SPACE).astype(object)
    # Python ints avoid int64 overflow in the product; this is one vector op, not a per-firm loop.
    org_num = np.asarray((org * _ORG_MULTIPLIER + offset) % _ORG_SPACE, dtype=np.int64)
    for pos in range(16, 7, -1):
        chars[:, pos] = org_num % 31
        org_num //= 31
    total = (chars[:, :17] * _WEIGHTS).sum(axis=1)
    chars[:, 17] = (31 - total % 31) % 31
    raw = _ALPHABET_BYTES[chars].astype(np.uint8)
    return pa.array(raw.view("S18").ravel()).cast(pa.string())


def company_names(
    rng: np.random.Generator, sector: np.ndarray, district: np.ndarray, large: np.ndarray
) -> pa.Array:
    """Names like 上海芯驰智能终端有限公司; large firms are joint-stock companies."""
    n = len(sector)
    city = pa.array(_CITY).take(pa.array(district))
    outside = district == len(_CITY) - 1
    if outside.any():
        picks = rng.integers(0, len(_OUTSIDE_CITIES), size=n)
        city = pc.if_else(pa.array(outside), pa.array(_OUTSIDE_CITIES).take(pa.array(picks)), city)
    a = pa.array(_WORD_A).take(pa.array(rng.integers(0, len(_WORD_A), size=n)))
    b = pa.array(_WORD_B).take(pa.array(rng.integers(0, len(_WORD_B), size=n)))
    c = pa.array(_WORD_A).take(pa.array(rng.integers(0, len(_WORD_A), size=n)))
    word = pa.array(_SECTOR_WORD).take(pa.array(sector))
    form = pa.array(_FORM).take(pa.array(large.astype(np.int64)))
    return pc.binary_join_element_wise(city, a, b, c, word, form, "")
