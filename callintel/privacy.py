"""The caller's number is kept only as a keyed hash, so repeat calls join without storing it.

HMAC (not a plain hash) because an 11-digit mobile number space (~1e10) is small enough to
enumerate: the hash protects the number only while the key stays secret. So a production run
needs a key of its own ([privacy] caller_hash_key_env or caller_hash_key_file); the public key
shipped in the settings is used only where `caller_hash_builtin_key = true` (configs/demo.toml, tests).

A warehouse remembers which key hashed its numbers (`key_fingerprint`, an HMAC of a fixed text,
never the key): a run with another key would make every caller look new and silently break
repeat-caller joins, so it is refused (warehouse/privacy.py).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from pathlib import Path

from callintel.settings import ConfigError, Settings

FINGERPRINT_TEXT = b"callintel caller-hash key fingerprint v1"
# The key shipped in the public settings: refused from any source unless the built-in key is allowed, even when a
# user's file renames [privacy] caller_hash_demo_key (the old public value stays public).
SHIPPED_DEMO_KEY = "callintel-demo-key-change-me"
# calls.caller_hash is this many hex characters of the HMAC (128 bits: no two callers of any call centre collide).
CALLER_HASH_CHARS = 32


class CallerKeyError(ConfigError):
    """No caller-hash key of the run's own, or not the key the warehouse was hashed with."""


def normalise_number(number: str) -> str:
    """Digits only, without the +86 / 0086 country prefix, so one phone gives one hash."""
    digits = re.sub(r"\D", "", number)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix):]
    return digits


def caller_hash_key(settings: Settings, production: bool = False) -> str:
    """The HMAC key: environment variable, else key file, else (demo/tests only) the built-in key.

    Raises CallerKeyError saying how to set one when none is configured, it is too short, or it is the
    public demo key outside the demo. `production` (callintel run, serve) refuses the built-in key even
    where a settings file allows it: a user's copy of configs/demo.toml must not ship a night to analysts.
    """
    privacy = settings["privacy"]
    env = privacy["caller_hash_key_env"]
    key = os.environ.get(env, "").strip() if env else ""
    source = f"environment variable {env}"
    if not key and privacy["caller_hash_key_file"]:
        path = Path(privacy["caller_hash_key_file"]).expanduser()
        try:
            key = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CallerKeyError(f"cannot read the caller-hash key file {path} ([privacy] caller_hash_key_file): "
                                 f"{exc}") from exc
        source = f"key file {path}"
    if not key:
        if privacy["caller_hash_builtin_key"] and not production:
            return privacy["caller_hash_demo_key"]
        raise CallerKeyError(
            "no caller-hash key: callers' numbers would be hashed with the public demo key, which protects "
            "nothing (a mobile number is one of ~1e10). Set a secret of at least "
            f"{privacy['caller_hash_min_key_chars']} characters in the environment variable {env} (e.g. `export {env}=$(openssl rand -hex 32)`), or "  # noqa: E501
            "name a file holding it with [privacy] caller_hash_key_file in your settings file. Keep the same key "
            "for every night: repeat callers are found by their hash.")
    if key in {privacy["caller_hash_demo_key"], SHIPPED_DEMO_KEY} and (production or not privacy[
            "caller_hash_builtin_key"]):
        raise CallerKeyError(f"the caller-hash key from the {source} is the public demo key, which protects nothing: "
                             "anyone can hash every mobile number with it. Set a secret of your own (e.g. "
                             "`openssl rand -hex 32`); the demo key is for configs/demo.toml and the tests only.")
    if len(key) < privacy["caller_hash_min_key_chars"]:
        raise CallerKeyError(f"the caller-hash key from the {source} has {len(key)} characters; use at least "
                             f"{privacy['caller_hash_min_key_chars']} (e.g. `openssl rand -hex 32`)")
    return key


# What a label built from masked text must not hold: a mask token or a bracket left of one, a digit, a run of
# letters with digits in it (plate, claim number, VIN), or a lone Latin letter (a plate's city letter: 浙A).
_MASK_TOKEN = re.compile(r"\[[^\[\]]{0,12}\]")
_NOT_IN_LABEL = re.compile(r"[\[\]［］【】]|[A-Za-zＡ-Ｚａ-ｚ]*[0-9０-９][0-9０-９A-Za-zＡ-Ｚａ-ｚ]*"
                          r"|(?<![A-Za-zＡ-Ｚａ-ｚ])[A-Za-zＡ-Ｚａ-ｚ](?![A-Za-zＡ-Ｚａ-ｚ])")


def label_is_clean(text: str) -> bool:
    """Whether a derived text (topic name, key phrase, label, reason, heading) may be shown: no mask or piece of
    one, no number. Topic names are built from what callers said, and what a question held (a plate, a card
    tail) must not become the name of a topic in every report."""
    return not _NOT_IN_LABEL.search(text)


def clean_label(text: str) -> str:
    """`text` without mask tokens, numbers and letter-digit runs (the rest kept), for a label built from a
    sentence: 车牌[车牌]被扣分了 -> 车牌被扣分了."""
    text = _NOT_IN_LABEL.sub("", _MASK_TOKEN.sub("", text))
    return re.sub(r"([，,、。\s])[，,、。\s]+", r"\1", text).strip("，,、。 ")


def key_fingerprint(key: str) -> str:
    """What identifies a key without revealing it: HMAC(key, fixed text), 16 hex chars."""
    return hmac.new(key.encode(), FINGERPRINT_TEXT, hashlib.sha256).hexdigest()[:16]


def caller_hash(number: str | None, settings: Settings, key: str | None = None) -> str | None:
    """HMAC-SHA256 of the normalised number (first CALLER_HASH_CHARS hex chars); None when withheld."""
    if not number:
        return None
    digits = normalise_number(number)
    if not digits:
        return None
    key = key or caller_hash_key(settings)
    return hmac.new(key.encode(), digits.encode(), hashlib.sha256).hexdigest()[:CALLER_HASH_CHARS]
