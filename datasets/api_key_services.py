"""Writes for workspace API keys: create, edit, delete, and authenticating a presented key.

A key looks like `sb_<prefix>_<secret>`. The prefix is random, not secret, and shown in the list
so people can tell keys apart; the whole key is stored only as its SHA-256. The secret is
returned once, by `api_key_create`, and never again.

The Create screen posts, then redirects to a page that shows the secret (so a reload cannot post
again): the secret waits in the session, encrypted, until that page takes it. Each Create form
carries a one-time token, so a double click or a resent form makes one key, not two.
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from datasets.models import ApiKey
from integrations.encrypted_fields import DecryptionError, decrypt, encrypt
from integrations.models import AuditEntry
from integrations.services.audit import Change, audit_record
from workspace.models import Workspace

KEY_SCHEME = "sb"
# Rewriting last_used_at on every request would turn each API call into a database write;
# a minute's precision is plenty for "last use".
LAST_USED_PRECISION = datetime.timedelta(minutes=1)

FORM_TOKENS_SESSION_NAME = "api_key_form_tokens"
CREATED_SESSION_NAME = "api_key_created"
# One token per Create form someone has open (several tabs, say); older ones are dropped.
OPEN_FORMS_KEPT = 5
# A form's state in the cache: its first post is making the key, then the key exists. A used
# token is remembered for a day, so that a late resend is still recognised as one; a post that
# died while creating frees its form after a minute.
CREATING = "creating"
CREATED = "created"
CREATING_SECONDS = 60
USED_TOKEN_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class CreatedApiKey:
    api_key: ApiKey
    secret: str


class FormTokenClaim(enum.Enum):
    CLAIMED = "claimed"
    ALREADY_USED = "already used"
    UNKNOWN = "unknown"


class ApiKeyCreateResult(enum.Enum):
    CREATED = enum.auto()
    # The same form sent again: the first post made (or is making) its key.
    ALREADY_CREATED = enum.auto()
    # The form's token is not one this session was given, or it was used long ago.
    EXPIRED_TOKEN = enum.auto()
    INVALID = enum.auto()


@dataclass(frozen=True)
class ApiKeyCreateOutcome:
    """What one post of the Create form did. `form_token` is the token the form carries from
    now on: the page that shows the key finds it under this one, and a form shown again with
    its errors must be sent with it. `errors` is set when the input was refused."""

    result: ApiKeyCreateResult
    form_token: str
    errors: ValidationError | None = None


class ApiKeyRefused(Exception):
    """A presented key cannot be used. `status` is the HTTP status the API answers with."""

    status = 401

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApiKeyMissing(ApiKeyRefused):
    pass


class ApiKeyUnknown(ApiKeyRefused):
    pass


class ApiKeyExpired(ApiKeyRefused):
    status = 403


class ApiKeyWrongType(ApiKeyRefused):
    status = 403


def api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def api_key_valid_through(*, api_key: ApiKey) -> datetime.date:
    """The last day the key works (it stops at midnight, server time, as `expires_on` begins)."""
    return api_key.expires_on - datetime.timedelta(days=1)


def api_key_is_valid_today(*, api_key: ApiKey) -> bool:
    """Valid until the end of the day before `expires_on`, in the server's time zone."""
    return timezone.localdate() < api_key.expires_on


def _validate_expiry(expires_on: datetime.date) -> None:
    if expires_on <= timezone.localdate():
        raise ValidationError(
            {
                "expires_on": "Choose a date after today: a key is valid until the end of "
                "the day before its expiration date."
            }
        )


@transaction.atomic
def api_key_create(
    *,
    workspace: Workspace,
    name: str,
    key_type: str,
    expires_on: datetime.date,
    created_by: User | None,
) -> CreatedApiKey:
    _validate_expiry(expires_on)
    prefix = secrets.token_hex(4)
    secret = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey(
        workspace=workspace,
        name=name.strip(),
        key_type=key_type,
        prefix=prefix,
        key_hash=api_key_hash(secret),
        expires_on=expires_on,
        created_by=created_by,
    )
    # created_by is not input (and may be None for keys made by a command); the rest is checked.
    api_key.full_clean(exclude=["created_by"])
    api_key.save()
    audit_record(
        workspace=api_key.workspace,
        actor=created_by,
        action=AuditEntry.Action.KEY_CREATED,
        subject_name=api_key.name,
        changes={
            "Name": [None, api_key.name],
            "Key type": [None, api_key.get_key_type_display()],
            "Expiration date": [None, expires_on.isoformat()],
        },
    )
    return CreatedApiKey(api_key=api_key, secret=secret)


@transaction.atomic
def api_key_create_once(
    *,
    workspace: Workspace,
    user: User | None,
    form_token: str,
    session: SessionBase,
    name: str,
    key_type: str,
    expires_on: datetime.date,
) -> ApiKeyCreateOutcome:
    """One post of the Create form: makes the key unless this form already made one, and keeps
    its secret in `session` for the page that shows it once.

    A form's first post claims its token; any later post of the same form (a double click, a
    resend) is ALREADY_CREATED and is sent to the same page, which shows the first post's key.
    Refused input frees the token, so the corrected form can be sent again.
    """
    claim = api_key_form_token_claim(session=session, token=form_token)
    if claim is FormTokenClaim.ALREADY_USED:
        return ApiKeyCreateOutcome(ApiKeyCreateResult.ALREADY_CREATED, form_token)
    if claim is FormTokenClaim.UNKNOWN:
        fresh = api_key_form_token_issue(session=session, current=form_token)
        return ApiKeyCreateOutcome(ApiKeyCreateResult.EXPIRED_TOKEN, fresh)
    try:
        created = api_key_create(
            workspace=workspace,
            name=name,
            key_type=key_type,
            expires_on=expires_on,
            created_by=user,
        )
    except ValidationError as error:
        api_key_form_token_release(token=form_token)
        kept = api_key_form_token_issue(session=session, current=form_token)
        return ApiKeyCreateOutcome(ApiKeyCreateResult.INVALID, kept, errors=error)
    api_key_secret_hold(session=session, token=form_token, created=created)
    return ApiKeyCreateOutcome(ApiKeyCreateResult.CREATED, form_token)


def api_key_update(
    *, api_key: ApiKey, name: str, expires_on: datetime.date, actor: User | None
) -> ApiKey:
    name = name.strip()
    changes: dict[str, Change] = {}
    if name != api_key.name:
        changes["Name"] = [api_key.name, name]
    if expires_on != api_key.expires_on:
        _validate_expiry(expires_on)
        changes["Expiration date"] = [api_key.expires_on.isoformat(), expires_on.isoformat()]
    if not changes:
        return api_key
    api_key.name = name
    api_key.expires_on = expires_on
    api_key.full_clean(exclude=["created_by"])
    api_key.save(update_fields=["name", "expires_on"])
    audit_record(
        workspace=api_key.workspace,
        actor=actor,
        action=AuditEntry.Action.KEY_UPDATED,
        subject_name=api_key.name,
        changes=changes,
    )
    return api_key


@transaction.atomic
def api_key_delete(*, api_key: ApiKey, actor: User | None) -> None:
    audit_record(
        workspace=api_key.workspace,
        actor=actor,
        action=AuditEntry.Action.KEY_DELETED,
        subject_name=api_key.name,
        changes={"Name": [api_key.name, None], "Key type": [api_key.get_key_type_display(), None]},
    )
    api_key.delete()


def api_key_authenticate(*, raw_key: str, key_type: str | None) -> ApiKey:
    """The key a client presented, if it may be used for `key_type` today (None: a key of
    either type); else ApiKeyRefused.

    Unknown and deleted keys look the same (401); an expired key or one of the other type is a
    403, because the client did identify itself and needs a different key.
    """
    if not raw_key:
        raise ApiKeyMissing("Send an API key: Authorization: Bearer <key>.")
    scheme, _, rest = raw_key.partition("_")
    prefix, _, _ = rest.partition("_")
    if scheme != KEY_SCHEME or not prefix:
        raise ApiKeyUnknown("This API key is not valid.")
    presented_hash = api_key_hash(raw_key)
    candidates = ApiKey.objects.select_related("workspace").filter(prefix=prefix)
    api_key = next(
        (key for key in candidates if hmac.compare_digest(key.key_hash, presented_hash)), None
    )
    if api_key is None:
        raise ApiKeyUnknown("This API key is not valid.")
    if not api_key_is_valid_today(api_key=api_key):
        raise ApiKeyExpired(
            f"This API key expired: it was valid until the end of the day before "
            f"{api_key.expires_on.isoformat()}."
        )
    if key_type is not None and api_key.key_type != key_type:
        raise ApiKeyWrongType(
            f"This is an {api_key.get_key_type_display()} key; this endpoint needs an "
            f"{ApiKey.KeyType(key_type).label} key."
        )
    _touch(api_key)
    return api_key


def _touch(api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_PRECISION:
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


def api_key_form_token_issue(*, session: SessionBase, current: str = "") -> str:
    """A one-time token for a Create form, remembered in the session. A form shown again with
    its errors keeps `current`, its own token, while that is still unused."""
    tokens = session.get(FORM_TOKENS_SESSION_NAME, [])
    if current and current in tokens:
        return current
    token = secrets.token_urlsafe(16)
    session[FORM_TOKENS_SESSION_NAME] = [*tokens, token][-OPEN_FORMS_KEPT:]
    return token


def _form_state_cache_key(token: str) -> str:
    return f"api-key-form:{api_key_hash(token)}"


def api_key_form_token_claim(*, session: SessionBase, token: str) -> FormTokenClaim:
    """Claim a Create form's token: only the first post of a form may create a key.

    The session alone cannot tell: it is saved when a response goes out, so a second post sent
    while the first is still being answered finds the token there too. The cache's add() is
    atomic, so exactly one of them claims it.
    """
    if token and cache.get(_form_state_cache_key(token)):
        return FormTokenClaim.ALREADY_USED
    if not token or token not in session.get(FORM_TOKENS_SESSION_NAME, []):
        return FormTokenClaim.UNKNOWN
    if not cache.add(_form_state_cache_key(token), CREATING, timeout=CREATING_SECONDS):
        return FormTokenClaim.ALREADY_USED
    return FormTokenClaim.CLAIMED


def api_key_form_token_release(*, token: str) -> None:
    """The claimed post made no key (its input was refused): the form may be sent again."""
    cache.delete(_form_state_cache_key(token))


def api_key_form_token_creating(*, token: str) -> bool:
    """Whether the first post of this form is still making its key."""
    return bool(token) and cache.get(_form_state_cache_key(token)) == CREATING


def api_key_secret_hold(*, session: SessionBase, token: str, created: CreatedApiKey) -> None:
    """Keep a new key's secret, encrypted, for the one page that shows it, under the token of
    the form that made it (two forms in two tabs each find their own key)."""
    held = dict(session.get(CREATED_SESSION_NAME, {}))
    held[token] = {"api_key_id": created.api_key.pk, "secret": encrypt(created.secret)}
    session[CREATED_SESSION_NAME] = held
    tokens = session.get(FORM_TOKENS_SESSION_NAME, [])
    session[FORM_TOKENS_SESSION_NAME] = [kept for kept in tokens if kept != token]
    # Saved now rather than as the response goes out: a second post of this form, sent before
    # this one was answered, waits for the state below and must then find the secret here.
    session.save()
    # Not saved again as the response goes out: by then the page may have shown and dropped it.
    session.modified = False
    cache.set(_form_state_cache_key(token), CREATED, timeout=USED_TOKEN_SECONDS)


def api_key_secret_take(
    *, session: SessionBase, token: str, workspace: Workspace
) -> CreatedApiKey | None:
    """The secret held for the form `token`, removed from the session: it is shown once. None
    if there is none (already shown), its key is gone, or it belongs to another workspace."""
    held = dict(session.get(CREATED_SESSION_NAME, {}))
    entry = held.pop(token, None)
    if entry is None:
        return None
    session[CREATED_SESSION_NAME] = held
    api_key = ApiKey.objects.filter(pk=entry["api_key_id"], workspace=workspace).first()
    if api_key is None:
        return None
    try:
        secret = decrypt(entry["secret"])
    except DecryptionError:
        return None
    return CreatedApiKey(api_key=api_key, secret=secret)
