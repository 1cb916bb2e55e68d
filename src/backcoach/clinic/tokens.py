"""Random one-time secrets (session cookies, invite codes) and the hashes the database keeps.

The database holds only SHA-256 hashes of tokens: a copy of the database does not let anyone
sign in as someone or accept their invite. A token has 256 bits of randomness, so a plain hash
(no salt, no slow hash) is enough; passwords, which people choose, go through argon2 instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

INVITE_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
INVITE_CODE_LENGTH = 12


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_invite_code() -> str:
    """A code a person can type: 12 characters in groups of four, e.g. ``K7QM-2XTB-9HRD``."""
    raw = "".join(secrets.choice(INVITE_CODE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, INVITE_CODE_LENGTH, 4))


def normalise_invite_code(code: str) -> str:
    """What the person typed, as the code was made: upper case, groups of four."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def signed(secret: str, message: str) -> str:
    """HMAC-SHA256 of ``message`` under the clinic secret (CSRF tokens)."""
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
