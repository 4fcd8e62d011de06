"""Why the import API refuses a push, and why an accepted import fails.

A refusal (`ImportRefused`) carries the HTTP status and message to answer; it is raised by the
selector and services behind the API, so the rules live there and the API view only turns it
into its JSON answer. A failure (`ImportFailed`) is what the import job stores for its status.
"""

from __future__ import annotations

from collections.abc import Sequence

# However wrong a file is, what its import reports is stored and sent on every status read: a
# few short messages, never one per bad cell of a 50 MB upload.
MAX_REPORTED_ERRORS = 10
MAX_ERROR_CHARS = 300


class ImportRefused(Exception):
    """A refusal with its words; `status` and `code` come from the class or, for refusals that
    differ case by case, from the raise."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class ConfigurationNotFound(ImportRefused):
    status = 404
    code = "not_found"


class ConfigurationOfAnotherWorkspace(ImportRefused):
    status = 403
    code = "forbidden"


class DatasetNotFound(ImportRefused):
    status = 404
    code = "not_found"


class DatasetOfAnotherWorkspace(ImportRefused):
    status = 403
    code = "forbidden"


class UnknownDelivery(ImportRefused):
    """A well-formed deliveryId that names no call of the key's workspace."""

    status = 400
    code = "unknown_delivery"


class LengthRequired(ImportRefused):
    status = 411
    code = "length_required"


class BodyRefused(ImportRefused):
    """The body is empty (400), too large (413) or a form upload (415)."""


class ImportFailed(Exception):
    """Nothing was imported. `errors` are for the client: at most MAX_REPORTED_ERRORS messages of
    at most MAX_ERROR_CHARS, then one line on what was left out."""

    def __init__(
        self, errors: Sequence[str], rows_received: int = 0, *, rest_unchecked: bool = False
    ) -> None:
        self.errors = errors_capped(errors, rest_unchecked=rest_unchecked)
        super().__init__("; ".join(self.errors))
        self.rows_received = rows_received


def errors_capped(errors: Sequence[str], *, rest_unchecked: bool = False) -> list[str]:
    """At most MAX_REPORTED_ERRORS messages of at most MAX_ERROR_CHARS, then what was left out."""
    capped = [_shortened(error) for error in errors[:MAX_REPORTED_ERRORS]]
    left_out = len(errors) - len(capped)
    if left_out:
        capped.append(f"…and {left_out:,} more error{'' if left_out == 1 else 's'}.")
    elif rest_unchecked:
        capped.append(f"Stopped after {len(capped)} errors; the rest of the file was not checked.")
    return capped


def stored_errors_capped(errors: Sequence[str]) -> list[str]:
    """A job's stored errors as the status endpoint answers them. Lists stored under the caps
    already end in their own note on what was left out; older ones are capped here."""
    if len(errors) <= MAX_REPORTED_ERRORS + 1:
        return [_shortened(error) for error in errors]
    return errors_capped(errors)


def _shortened(message: str) -> str:
    return message if len(message) <= MAX_ERROR_CHARS else message[: MAX_ERROR_CHARS - 1] + "…"


def joined_within(
    items: Sequence[str], *, budget: int, separator: str, total: int | None = None, noun: str = ""
) -> str:
    """`items` joined while they fit in about `budget` characters, then how many were left out.

    The first item is always shown; `total` counts items the caller did not keep.
    """
    total = len(items) if total is None else total
    shown: list[str] = []
    length = 0
    for item in items:
        length += len(item) + (len(separator) if shown else 0)
        # Room for "; and 12,345 more problems" unless this is the last item.
        room = budget if len(shown) + 1 == total else budget - 30
        if shown and length > room:
            break
        shown.append(item)
    text = separator.join(shown)
    left_out = total - len(shown)
    if left_out:
        plural = noun + ("" if left_out == 1 else "s") if noun else ""
        text += f"{separator}and {left_out:,} more{' ' + plural if plural else ''}"
    return text
