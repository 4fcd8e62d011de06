"""Why the import API refuses a push: each refusal carries the HTTP status and message to answer.

Raised by the selector and services behind the API, so the rules live there and the API view
only turns a refusal into its JSON answer.
"""

from __future__ import annotations


class ImportRefused(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationNotFound(ImportRefused):
    status = 404
    code = "not_found"


class ConfigurationOfAnotherWorkspace(ImportRefused):
    status = 403
    code = "forbidden"


class LengthRequired(ImportRefused):
    status = 411
    code = "length_required"


class BodyRefused(ImportRefused):
    """The body is empty (400), too large (413) or a form upload (415)."""

    def __init__(self, message: str, *, status: int, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
