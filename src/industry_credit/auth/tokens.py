"""JWT issue and verification: HS256 with a shared secret, or RS256 with an SSO's public key.

Claims: ``sub`` (username), ``role`` (rm | risk_officer | admin), ``exp``, ``iat``, ``iss``.
A token must carry ``iat``, and ``exp - iat`` may not exceed ``jwt_max_ttl_minutes``: a token
valid until 9999 is refused, whoever signed it. ``jwt_leeway_seconds`` absorbs the clock skew of
an SSO whose clock runs a little ahead or behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from industry_credit.config import Settings
from industry_credit.vocabulary import ROLES


class TokenError(Exception):
    """The token is missing, malformed, expired, or signed by someone else."""


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str


def issue_token(
    settings: Settings, *, subject: str, role: str, ttl_minutes: int | None = None
) -> str:
    """Sign an HS256 token (development, demo, tests). A bank's SSO issues RS256 tokens itself."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if settings.jwt_secret is None:
        raise ValueError("no INDUSTRY_CREDIT_JWT_SECRET configured: this server cannot sign tokens")
    minutes = ttl_minutes or settings.jwt_ttl_minutes
    if minutes > settings.jwt_max_ttl_minutes:
        raise ValueError(
            f"a token may live at most {settings.jwt_max_ttl_minutes} minutes (configured maximum)"
        )
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "role": role,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def verify_token(settings: Settings, token: str) -> Principal:
    if settings.jwt_public_key:
        key, algorithms = settings.jwt_public_key, ["RS256"]
    else:
        assert settings.jwt_secret is not None  # the settings validator guarantees one of the two
        key, algorithms = settings.jwt_secret, ["HS256"]
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            issuer=settings.jwt_issuer,
            leeway=settings.jwt_leeway_seconds,
            options={"require": ["sub", "role", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("token expired") from exc
    except jwt.PyJWTError as exc:
        raise TokenError(f"invalid token: {exc}") from exc
    lifetime = float(claims["exp"]) - float(claims["iat"])
    if lifetime > settings.jwt_max_ttl_minutes * 60:
        raise TokenError(
            f"token lifetime exceeds the configured maximum of {settings.jwt_max_ttl_minutes} minutes"
        )
    role = claims.get("role")
    if role not in ROLES:
        raise TokenError(f"token role {role!r} is not one of {', '.join(ROLES)}")
    return Principal(subject=str(claims["sub"]), role=str(role))
