"""A dry run of a push: the whole file parsed and checked as its import would be, nothing kept.

The client learns at once what an import would do (how many rows, the first errors with their
line numbers) without changing the dataset or leaving a job: the same parser as the import runs
in the request on a temporary copy of the body, which is gone when the answer is.
"""

from __future__ import annotations

from dataclasses import dataclass

from datasets.errors import BodyRefused, ImportFailed
from datasets.import_storage import BodyTooLarge, ByteStream, EmptyBody, import_upload_spool
from datasets.importer import dataset_rows_validate
from datasets.models import ApiKey, ImportConfiguration
from datasets.selectors import import_configuration_get_for_key
from datasets.services import import_delivery_answered, push_headers_check, push_too_large


@dataclass(frozen=True)
class DryRunReport:
    configuration: ImportConfiguration
    rows_received: int
    errors: tuple[str, ...]  # empty: the import would succeed with every row

    @property
    def valid(self) -> bool:
        return not self.errors


def import_push_dry_run(
    *,
    api_key: ApiKey,
    configuration_id: int,
    body: ByteStream,
    content_length: str | None,
    transfer_encoding: str,
    content_type: str | None,
    max_bytes: int,
    delivery_id: str = "",
) -> DryRunReport:
    """What pushing `body` to the configuration would do. Refuses what a push refuses (an
    ImportRefused subclass), with the same words: a `delivery_id` the push could not link too."""
    configuration = import_configuration_get_for_key(
        api_key=api_key, configuration_id=configuration_id
    )
    push_headers_check(content_length, transfer_encoding, content_type, max_bytes)
    import_delivery_answered(api_key=api_key, delivery_id=delivery_id)
    try:
        spooled = import_upload_spool(stream=body, max_bytes=max_bytes)
    except BodyTooLarge:
        raise push_too_large(max_bytes) from None
    except EmptyBody:
        raise BodyRefused(
            "The body is empty: send the CSV as the body.", status=400, code="bad_request"
        ) from None
    with spooled:
        try:
            result = dataset_rows_validate(configuration=configuration, csv_file=spooled)
        except ImportFailed as failure:
            return DryRunReport(configuration, failure.rows_received, tuple(failure.errors))
    return DryRunReport(configuration, result.rows_received, ())
