"""The callers' user rows, kept for a few seconds, so that authenticating a request costs no
database query while the entry is fresh.

A role change or a deactivation therefore applies within ``ttl_s`` seconds (the setting
``auth_cache_seconds``, 5 by default) in every worker; ``docs/security.md`` states the bound.
Unknown users are never kept, so a user created a moment ago can sign in at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from industry_credit.auth.users import get_user
from industry_credit.db.models import User

_COLUMNS = tuple(column.key for column in User.__table__.columns)


class UserCache:
    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, username: str) -> User | None:
        """The user as stored at most ``ttl_s`` seconds ago, or None if there is none.

        Each call returns a new, detached ``User`` that no session tracks: callers read its
        fields; nothing may add it to a session."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(username)
        if entry is None or entry[0] <= now:
            user = get_user(session=session, username=username)
            if user is None:
                with self._lock:
                    self._entries.pop(username, None)
                return None
            entry = (now + self.ttl_s, {c: getattr(user, c) for c in _COLUMNS})
            with self._lock:
                self._entries[username] = entry
        return User(**entry[1])
