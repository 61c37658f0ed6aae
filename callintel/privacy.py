"""The caller's number is kept only as a keyed hash, so repeat calls join without storing it.

HMAC (not a plain hash) because an 11-digit mobile number space is small enough to
enumerate: without the key, the hash reveals nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

from callintel.settings import Settings


def normalise_number(number: str) -> str:
    """Digits only, without the +86 / 0086 country prefix, so one phone gives one hash."""
    digits = re.sub(r"\D", "", number)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix):]
    return digits


def caller_hash(number: str | None, settings: Settings) -> str | None:
    """HMAC-SHA256 of the normalised number (first 32 hex chars); None when withheld."""
    if not number:
        return None
    digits = normalise_number(number)
    if not digits:
        return None
    privacy = settings["privacy"]
    key = os.environ.get(privacy["caller_hash_key_env"]) or privacy["caller_hash_default_key"]
    return hmac.new(key.encode(), digits.encode(), hashlib.sha256).hexdigest()[:32]
