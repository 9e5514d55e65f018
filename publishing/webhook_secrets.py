"""Webhook signing secrets at rest: Fernet encryption with rotatable keys.

A Standard Webhooks secret has to be recoverable (it signs every delivery), so it cannot be
hashed like an API token; instead the database holds only a Fernet token of it, and a copy of
the database without the keys reveals nothing.

Keys come from ``WEBHOOK_SECRET_KEYS`` (comma-separated Fernet keys). The first encrypts; all of
them decrypt, so a new key can be put first while the old ones still read existing rows, and
``manage.py rotate_webhook_secrets`` then re-encrypts every row under the new key.

Without that setting the key is derived from ``SECRET_KEY`` (HKDF-SHA256, a fixed salt and
context string), so a development install needs no configuration. Keys derived from
``SECRET_KEY`` and each of ``SECRET_KEY_FALLBACKS`` always decrypt as well: rotating
``SECRET_KEY`` the Django way, or moving from the derived key to explicit keys, does not make
existing secrets unreadable.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

# Fixed and public: they only separate this key from anything else derived from SECRET_KEY.
_HKDF_SALT = b"claimdesk"
_HKDF_INFO = b"claimdesk webhook secrets v1"


class SecretUnreadable(Exception):  # noqa: N818 - reads as the condition it reports
    """No configured key decrypts a stored secret (a key was dropped from the settings)."""


def derive_key(secret_key: str) -> bytes:
    """The Fernet key derived from a Django ``SECRET_KEY``: HKDF-SHA256, 32 bytes, base64."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


@functools.cache
def _fernet() -> MultiFernet:
    configured: list[bytes] = [k.strip().encode() for k in settings.WEBHOOK_SECRET_KEYS if k]
    derived = [
        derive_key(str(k))
        for k in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        if k
    ]
    try:
        return MultiFernet([Fernet(k) for k in [*configured, *derived]])
    except ValueError:
        raise ImproperlyConfigured(
            "WEBHOOK_SECRET_KEYS must be comma-separated Fernet keys "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')."
        ) from None


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: object) -> None:
    # Tests change the keys with override_settings; the cached MultiFernet must follow.
    if setting in ("WEBHOOK_SECRET_KEYS", "SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        _fernet.cache_clear()


def encrypt_secret(secret: str) -> str:
    """The stored form of a secret: a Fernet token under the first key."""
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    """The secret back from its stored form; :class:`SecretUnreadable` if no key fits."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "No key in WEBHOOK_SECRET_KEYS (or derived from SECRET_KEY) decrypts this secret."
        ) from None


def reencrypt_secret(token: str) -> str:
    """The same secret under the first key (Fernet rotation keeps the original timestamp)."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("No configured key decrypts this secret.") from None
