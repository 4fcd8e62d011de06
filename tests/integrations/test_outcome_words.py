"""Every outcome in words, as a viewer at the board reads it and as an admin reads the delivery
log: plain words with a next step for the one, the technical detail for the other."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from integrations.models import Delivery
from integrations.services.delivery_words import delivery_admin_message, delivery_public_message

Outcome, Reason, State = Delivery.Outcome, Delivery.Reason, Delivery.State
NEXT_STEP = "Try again in a few minutes or tell your workspace admin."

# (outcome, reason, detail as egress or the services record it, viewer words, admin words)
CASES = [
    ("sent", Outcome.SUCCEEDED, "", "Sent · 200 in 143 ms", "Sent", "Sent · 200 in 143 ms"),
    (
        "service error",
        Outcome.FAILED,
        Reason.SERVICE_ERROR,
        "The service answered 500",
        f"The service reported a problem and may not have done its work. {NEXT_STEP}",
        "The service answered 500",
    ),
    (
        "could not connect",
        Outcome.FAILED,
        Reason.CONNECTION_FAILED,
        "Could not connect to hooks.example.com",
        f"The service could not be reached. {NEXT_STEP}",
        "Could not connect to hooks.example.com",
    ),
    (
        "no answer",
        Outcome.TIMED_OUT,
        Reason.TIMEOUT,
        "No answer within 10 s",
        "The service did not answer in time; it may still be working. Wait a few minutes "
        "before trying again, or tell your workspace admin.",
        "No answer within 10 s",
    ),
    (
        "blocked",
        Outcome.BLOCKED,
        Reason.NOT_PUBLIC,
        "Blocked: hooks.example.com resolves to 10.0.0.7, which is not public",
        "Not sent: the connection's address is not allowed. Tell your workspace admin.",
        "Blocked: hooks.example.com resolves to 10.0.0.7, which is not public",
    ),
    (
        "quota",
        Outcome.REFUSED,
        Reason.QUOTA,
        "Limit reached: 100 calls an hour to this service — next call possible at 14:05 UTC",
        "Limit reached: 100 calls an hour to this service — next call possible at 14:05 UTC",
        "Limit reached: 100 calls an hour to this service — next call possible at 14:05 UTC",
    ),
    (
        "disabled",
        Outcome.BLOCKED,
        Reason.DISABLED,
        "This connection is disabled",
        "This connection is disabled",
        "This connection is disabled",
    ),
    (
        "duplicate",
        Outcome.DUPLICATE,
        Reason.DUPLICATE,
        "Already sending — wait for the first click to finish",
        "Already sending — wait for the first click to finish",
        "Already sending — wait for the first click to finish",
    ),
    (
        "lost",
        Outcome.LOST,
        Reason.STALE,
        "Not sent: it waited too long to be sent — press the button again",
        "Not sent: it waited too long to be sent — press the button again",
        "Not sent: it waited too long to be sent — press the button again",
    ),
]


def final(outcome: str, reason: str, detail: str) -> Delivery:
    return Delivery(
        state=State.FINAL,
        outcome=outcome,
        reason=reason,
        detail=detail,
        host="hooks.example.com",
        created_at=timezone.now(),
    )


@pytest.mark.parametrize(
    ("outcome", "reason", "detail", "viewer", "admin"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_outcome_reads_as_its_reader_needs(outcome, reason, detail, viewer, admin):
    delivery = final(outcome, reason, detail)
    assert delivery_public_message(delivery) == viewer
    assert delivery_admin_message(delivery) == admin


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_viewers_never_read_a_host_an_address_or_a_status_code(case):
    words = delivery_public_message(final(*case[1:4]))
    assert "hooks.example.com" not in words
    assert not re.search(r"\b\d{1,3}(\.\d{1,3}){3}\b", words)
    assert not re.search(r"\b(200|404|500)\b|answered", words)  # status codes of these cases
    assert " ms" not in words


def test_a_redirect_names_its_target_in_the_log_only():
    delivery = final(
        Outcome.FAILED, Reason.REDIRECT, "Redirect to https://evil.example/ not followed"
    )
    assert "evil.example" in delivery_admin_message(delivery)
    assert "evil.example" not in delivery_public_message(delivery)
