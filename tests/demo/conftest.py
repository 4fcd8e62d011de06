"""The demo stands in for a customer's pipeline, so its tests use the import API's fixtures:
the forecast dataset with its keys, and stored uploads and the demo's key file in a folder of
each test's own (autouse there, and so here)."""

from tests.datasets.conftest import _uploads_of_this_test, forecast  # noqa: F401
