# Imported, an autouse fixture applies to every test in this folder: no log line may carry a
# header value or body (tests/secret_log_guard.py).
from tests.secret_log_guard import secret_log_guard  # noqa: F401
