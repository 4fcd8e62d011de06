"""Encrypted text field that fails closed.

django-fernet-encrypted-fields derives its key from SECRET_KEY and, on a wrong key, quietly hands
the ciphertext back as if it were data. We keep its field shape but use our own key list
(FIELD_ENCRYPTION_KEYS: the first encrypts, all decrypt) and raise on anything we cannot decrypt.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from encrypted_fields.fields import EncryptedTextField


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        # Never include the token: it would end up in logs and error pages.
        raise DecryptionError(
            "A stored secret could not be decrypted with any key in FIELD_ENCRYPTION_KEYS."
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt under the first key (raises DecryptionError if no key opens it)."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionError(
            "A stored secret could not be decrypted with any key in FIELD_ENCRYPTION_KEYS."
        ) from exc


class StrictEncryptedTextField(EncryptedTextField):
    """Text encrypted at rest. Empty strings are encrypted too: a row never tells what is empty."""

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return decrypt(value)

    def to_python(self, value: Any) -> Any:
        # Values in Python are always plaintext; decryption happens only when reading the row.
        return value
