"""The only code in Switchboard that opens an outgoing connection.

`post_json` sends one configured POST and reports what happened as an `EgressResult`. It never
raises for network trouble. Header values, the body and the URL's path and query can hold
secrets, so no message, log line or result field ever contains them: only the host.

- `client`: checks the request, sends it and reads the answer into an `EgressResult`.
- `pinning`: the requests adapter that connects to the address the policy approved.
- `deadline`: the wall-clock limit on a whole exchange.
- `result`: `Outcome` and `EgressResult`, what callers get back.
"""

from integrations.egress.client import post_json
from integrations.egress.result import DETAIL_CHARS, EXCERPT_CHARS, EgressResult, Outcome

__all__ = ["DETAIL_CHARS", "EXCERPT_CHARS", "EgressResult", "Outcome", "post_json"]
