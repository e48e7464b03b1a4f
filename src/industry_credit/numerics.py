"""exp, log and their kin, giving the same bits on every IEEE-754 machine.

numpy dispatches ``exp``, ``log``, ``log1p`` and ``power`` on the CPU's SIMD level: its AVX-512
kernels differ from the AVX2 and scalar paths by about one ulp. The C library, for its part,
picks FMA-using variants of its functions by CPU. A figure that is stored and later replayed on
another server must depend on neither, so every stored or compared figure goes through these
functions. They use only the operations IEEE 754 rounds the same way everywhere (+, -, *, /),
exact scaling by powers of two and integer arithmetic. Their tables are computed at import with
``decimal``, which is software arithmetic.

Accuracy: exp within 0.51 ulp, log within 1 ulp, log1p within 3 ulp (tested against
``decimal``); ``power`` is exp(y log x) and loses a few ulp more when y log x is large.
``docs/determinism.md`` states the guarantee and how it is tested.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]

_EXP_BITS = 7
_EXP_N = 1 << _EXP_BITS
# log's reduction: m in [0.75, 1.5) is rounded to the nearest centre 0.75 + j/256.
_LOG_STEPS = 256
_LOG_CENTRES = 193


def _split(value: Decimal) -> tuple[float, float]:
    """A decimal as a double-double: hi is the nearest float, lo the nearest float to the rest."""
    hi = float(value)
    return hi, float(value - Decimal(hi))


def _truncated(value: Decimal, bits: int) -> float:
    """``value`` cut to ``bits`` bits after the binary point, so that small multiples are exact."""
    return float(int(value * (1 << bits))) / (1 << bits)


with localcontext() as _ctx:
    _ctx.prec = 50
    _ln2 = Decimal(2).ln()
    _EXP_TABLE = np.array([_split((_ln2 * j / _EXP_N).exp()) for j in range(_EXP_N)])
    _centres = [Decimal("0.75") + Decimal(j) / _LOG_STEPS for j in range(_LOG_CENTRES)]
    _LOG_TABLE = np.array([_split(c.ln()) for c in _centres])
    _CENTRES = np.array([float(c) for c in _centres])
    # k * hi is exact for |k| < 2**20: hi keeps 40 fractional bits of a number below 1/128.
    _LN2N_HI = _truncated(_ln2 / _EXP_N, 40)
    _LN2N_LO = float(_ln2 / _EXP_N - Decimal(_LN2N_HI))
    # e * hi is exact for every binary exponent e (|e| < 2**11).
    _LN2_HI = _truncated(_ln2, 40)
    _LN2_LO = float(_ln2 - Decimal(_LN2_HI))
    _INV_LN2N = float(_EXP_N / _ln2)

_EXP_HI = np.ascontiguousarray(_EXP_TABLE[:, 0])
_EXP_LO = np.ascontiguousarray(_EXP_TABLE[:, 1])
_LOG_HI = np.ascontiguousarray(_LOG_TABLE[:, 0])
_LOG_LO = np.ascontiguousarray(_LOG_TABLE[:, 1])
# Inside this range the result of exp is a normal float, and 2**m is built from its bits.
_EXP_SAFE = 708.0
_EXP_MAX = 709.782712893384  # above: inf
_EXP_MIN = -745.1332191019412  # below: 0


def _array(x: npt.ArrayLike) -> Floats:
    return np.asarray(x, dtype=np.float64)


def _two_sum(a: Floats, b: Floats) -> tuple[Floats, Floats]:
    """a + b rounded, and the exact rounding error (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _exp_parts(x: Floats) -> tuple[Floats, npt.NDArray[np.int64]]:
    """e**x = mantissa * 2**m for finite x in [_EXP_MIN, _EXP_MAX].

    x = (k/N) ln 2 + r with |r| <= ln 2 / (2N); e**r - 1 by its Taylor polynomial to degree 5
    (the next term is below 1e-18); 2**(j/N) from a double-double table."""
    k = np.rint(x * _INV_LN2N)
    r = (x - k * _LN2N_HI) - k * _LN2N_LO
    p = r * (1.0 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))))
    ki = k.astype(np.int64)
    j = ki & (_EXP_N - 1)
    hi = _EXP_HI[j]
    mantissa = hi + (hi * p + _EXP_LO[j] * (1.0 + p))
    return mantissa, (ki - j) >> _EXP_BITS


def exp(x: npt.ArrayLike) -> Floats:
    """e**x, elementwise."""
    x = _array(x)
    if np.all(np.abs(x) <= _EXP_SAFE):
        mantissa, m = _exp_parts(x)
        # 2**m from its IEEE bits: exact, and cheaper than ldexp.
        return mantissa * ((m + 1023) << 52).view(np.float64)
    with np.errstate(invalid="ignore"):
        clipped = np.clip(np.where(np.isnan(x), 0.0, x), _EXP_MIN, _EXP_MAX)
    mantissa, m = _exp_parts(clipped)
    # Two steps, so that neither overflows or underflows before the result does.
    half = m >> 1
    out = np.ldexp(np.ldexp(mantissa, half.astype(np.int32)), (m - half).astype(np.int32))
    out = np.where(x > _EXP_MAX, np.inf, out)
    out = np.where(x < _EXP_MIN, 0.0, out)
    return np.where(np.isnan(x), np.nan, out)


def log(x: npt.ArrayLike) -> Floats:
    """Natural log, elementwise.

    x = 2**e * m with m in [0.75, 1.5). c is the centre nearest m, so f = m - c is exact and c is
    1 near x = 1, which keeps small logs accurate. log(m) = log(c) + 2 atanh(s) with
    s = f / (2c + f), |s| < 1/768, and the sum is carried in double-double."""
    x = _array(x)
    ordinary = (x > 0) & (x < np.inf)
    positive = np.where(ordinary, x, 1.0)
    frac, e = np.frexp(positive)  # frac in [0.5, 1), exact
    up = frac < 0.75
    m = np.where(up, frac * 2.0, frac)
    ef = (e - up).astype(np.float64)
    j = np.rint((m - 0.75) * _LOG_STEPS).astype(np.int64)
    c = _CENTRES[j]
    f = m - c
    s = f / (2.0 * c + f)
    s2 = s * s
    # 2 atanh(s) - 2s = 2s^3/3 + 2s^5/5 + 2s^7/7; the next term is below 1e-25 of s.
    tail = s * s2 * (2.0 / 3 + s2 * (2.0 / 5 + s2 * (2.0 / 7)))
    head, err1 = _two_sum(ef * _LN2_HI, _LOG_HI[j])
    total, err2 = _two_sum(head, 2.0 * s)
    out: Floats = total + (((ef * _LN2_LO + _LOG_LO[j]) + tail) + (err1 + err2))
    if ordinary.all():
        return out
    out = np.where(x == 0, -np.inf, out)
    out = np.where(x < 0, np.nan, out)
    out = np.where(x == np.inf, np.inf, out)
    return np.where(np.isnan(x), np.nan, out)


def log1p(x: npt.ArrayLike) -> Floats:
    """log(1 + x), accurate for small x: u = 1 + x is rounded, and (x - (u - 1)) / u corrects
    for that rounding to first order."""
    x = _array(x)
    u = 1.0 + x
    safe = np.where(u > 0, u, 1.0)
    corrected = log(safe) + (x - (safe - 1.0)) / safe
    out = np.where(u == 1.0, x, corrected)
    return np.where(u > 0, out, log(u))


def power(base: npt.ArrayLike, exponent: npt.ArrayLike) -> Floats:
    """base**exponent for base >= 0, as exp(exponent * log(base)); negative bases give NaN."""
    b = _array(base)
    y = _array(exponent)
    out = exp(y * log(np.where(b > 0, b, 1.0)))
    zero_base = np.where(y > 0, 0.0, np.where(y == 0, 1.0, np.inf))
    out = np.where(b == 0, zero_base, out)
    return np.where(b < 0, np.nan, out)


def sigmoid(z: npt.ArrayLike) -> Floats:
    """1 / (1 + e**-z)."""
    return 1.0 / (1.0 + exp(-_array(z)))


def logit(p: npt.ArrayLike) -> Floats:
    """log(p / (1 - p))."""
    q = _array(p)
    return log(q / (1.0 - q))
