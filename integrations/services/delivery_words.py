"""A delivery in words: `detail` is written for people when a row is recorded or finished, and
these functions choose what each reader may see. Code decides on `state`, `outcome` and
`reason`, never on these words.

Two sets of words: `delivery_public_message` for anyone who may click the button, and
`delivery_admin_message` for the delivery log. Only the log names what the remote service chose
(a redirect's target): a service must not be able to put words of its choosing on a board.
"""

from __future__ import annotations

from datetime import datetime

from integrations.models import Delivery
from integrations.selectors.deliveries import delivery_effective_state
from integrations.selectors.delivery_answers import DeliveryAnswers, ResultsState

Outcome = Delivery.Outcome
Reason = Delivery.Reason
State = Delivery.State

WAITING = "Waiting to send…"
SENDING = "Sending…"
DUPLICATE = "Already sending — wait for the first click to finish"
DISABLED = "This connection is disabled"
DELETED = "This connection was deleted"
UNREADABLE = "The connection's settings could not be read — set it up again"
DELETED_CONNECTION_NAME = "(deleted connection)"
INTERNAL_ERROR = "The call could not be made because of an error on our side"
STALE = "Not sent: it waited too long to be sent — press the button again"
WORKER_DIED = "No result recorded — the service may have received it"
ADDRESS_CHANGED = "Not sent: the connection's address changed after the click"
HEADERS_BREAK_RULES = (
    "Not sent: the stored headers break a rule added since they were set — replace them in the "
    "connection's settings"
)
REDIRECT_NOT_FOLLOWED = (
    "The service answered with a redirect, which Switchboard does not follow — "
    "tell your workspace admin"
)

# What people at the board read when the call did not get through, in place of the technical
# detail the delivery log keeps (status codes, hosts, timeouts): what happened, and what to do.
_NEXT_STEP = "Try again in a few minutes or tell your workspace admin."
PUBLIC_BY_REASON: dict[str, str] = {
    Reason.SERVICE_ERROR: (
        f"The service reported a problem and may not have done its work. {_NEXT_STEP}"
    ),
    Reason.CONNECTION_FAILED: f"The service could not be reached. {_NEXT_STEP}",
    Reason.TIMEOUT: (
        "The service did not answer in time; it may still be working. Wait a few minutes "
        "before trying again, or tell your workspace admin."
    ),
    Reason.NOT_PUBLIC: (
        "Not sent: the connection's address is not allowed. Tell your workspace admin."
    ),
    Reason.REDIRECT: REDIRECT_NOT_FOLLOWED,
}
SENT = "Sent"

# For a final row recorded without words of its own.
_FALLBACK: dict[str, str] = {
    Outcome.SUCCEEDED: "Sent",
    Outcome.FAILED: "The call failed",
    Outcome.TIMED_OUT: "No answer in time",
    Outcome.BLOCKED: "Blocked: that address is not public",
    Outcome.REFUSED: "Limit reached — try again later",
    Outcome.DUPLICATE: DUPLICATE,
    Outcome.LOST: STALE,
    Outcome.UNKNOWN: WORKER_DIED,
}


def not_shared_words(application_name: str) -> str:
    return f"This connection is not available to {application_name}"[:300]


def delivery_public_message(delivery: Delivery, *, now: datetime | None = None) -> str:
    """What anyone who may click the button may read: the outcome in words.

    Plain words with a next step, never a host, an address, a status code or a timing (those
    are for the delivery log), nor anything the remote service chose (a redirect's target).
    The other details are our own fixed words (disabled, not shared, waited too long…).
    """
    if delivery.state == State.FINAL:
        if delivery.outcome == Outcome.SUCCEEDED:
            return SENT
        if delivery.reason in PUBLIC_BY_REASON:
            return PUBLIC_BY_REASON[delivery.reason]
    return delivery_admin_message(delivery, now=now)


def delivery_admin_message(delivery: Delivery, *, now: datetime | None = None) -> str:
    """The outcome in words for the delivery log, which only Workspace Admins see: as the public
    message, but naming where a redirect pointed."""
    if delivery.state != State.FINAL:
        if delivery_effective_state(delivery, now=now) == State.FINAL:
            # Past its time and not yet swept: say what the sweep will record.
            return STALE if delivery.state == State.WAITING else WORKER_DIED
        return WAITING if delivery.state == State.WAITING else SENDING
    return delivery.detail or _FALLBACK.get(delivery.outcome, delivery.get_outcome_display())


# What came back for a click, after its outcome ("Sent · results arrived 3.2 s later"). Viewers
# read these: never an import's errors, status code or where it came from.
RESULTS_ARRIVING = "results arriving…"
RESULTS_FAILED = "the results could not be imported"


def results_words(answers: DeliveryAnswers, *, sent_at: datetime) -> str:
    """How the imports answering a click stand, in words anyone who may open the board reads."""
    if answers.state == ResultsState.FAILED:
        return RESULTS_FAILED
    if answers.state == ResultsState.ARRIVING or answers.last_finished_at is None:
        return RESULTS_ARRIVING
    seconds = (answers.last_finished_at - sent_at).total_seconds()
    return f"results arrived {delay_words(seconds)} later"


def delay_words(seconds: float) -> str:
    """Like "3.2 s" under 10 s, "45 s" up to 90 s, then whole minutes ("2 min")."""
    seconds = max(0.0, seconds)  # another machine's clock may run a little behind
    # Halves round up (round() would make 2.5 min "2 min").
    if seconds < 9.95:
        return f"{int(seconds * 10 + 0.5) / 10:.1f} s"
    if seconds <= 90:
        return f"{int(seconds + 0.5)} s"
    return f"{int(seconds / 60 + 0.5)} min"
