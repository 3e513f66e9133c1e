"""OAuth client credentials as PowerSchool issues them to a plugin with ``<oauth/>``.

``POST /oauth/access_token`` with HTTP Basic ``client_id:client_secret`` and
``grant_type=client_credentials`` gives a bearer token that expires after ``lifetime``
seconds. Tokens are random (``secrets``) and only held in memory: a token this server did not
issue, or one past its expiry, is refused.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

TOKEN_LIFETIME = 3600  # seconds


def new_credentials() -> tuple[str, str]:
    """A client id shaped like PowerSchool's (a UUID) and a random secret."""
    return str(uuid.uuid4()), secrets.token_urlsafe(24)


@dataclass
class Credentials:
    client_id: str
    client_secret: str
    lifetime: int = TOKEN_LIFETIME
    clock: Callable[[], float] = time.monotonic
    _tokens: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check_basic(self, authorization: str | None) -> bool:
        """True when ``Authorization: Basic …`` carries this client's id and secret."""
        if not authorization or not authorization[:6].lower() == "basic ":
            return False
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        client_id, sep, secret = decoded.partition(":")
        return self.check_pair(client_id, secret) and bool(sep)

    def check_pair(self, client_id: str, secret: str) -> bool:
        """True when the id and secret are this client's."""
        # compare_digest on both, always, so timing tells nothing about which one was wrong
        id_ok = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        secret_ok = hmac.compare_digest(secret.encode(), self.client_secret.encode())
        return id_ok and secret_ok

    def issue(self) -> tuple[str, int]:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._tokens = {t: expiry for t, expiry in self._tokens.items() if expiry > now}
            self._tokens[token] = now + self.lifetime
        return token, self.lifetime

    def check_bearer(self, authorization: str | None) -> str | None:
        """None when the bearer token is valid, else why it is not."""
        if not authorization or not authorization[:7].lower() == "bearer ":
            return "no bearer token; get one from POST /oauth/access_token"
        token = authorization[7:].strip()
        with self._lock:
            expiry = self._tokens.get(token)
        if expiry is None:
            return "invalid access token"
        if expiry <= self.clock():
            return "access token expired; request a new one"
        return None
