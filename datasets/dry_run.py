"""A dry run of a push: the whole file parsed and checked as its import would be, nothing kept.

The client learns at once what an import would do (how many rows, the first errors with their
line numbers) without changing the dataset or leaving a job: the same parser as the import runs
in the request on a temporary copy of the body, which is gone when the answer is.
"""

from __future__ import annotations

from dataclasses import dataclass

from datasets.errors import ImportFailed
from datasets.import_storage import ByteStream, import_upload_spool
from datasets.importer import dataset_rows_validate
from datasets.models import ApiKey, ImportConfiguration
from datasets.services import push_body_refusals, push_checked


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
    configuration, _ = push_checked(
        api_key=api_key,
        configuration_id=configuration_id,
        content_length=content_length,
        transfer_encoding=transfer_encoding,
        content_type=content_type,
        max_bytes=max_bytes,
        delivery_id=delivery_id,
    )
    with push_body_refusals(max_bytes):
        spooled = import_upload_spool(stream=body, max_bytes=max_bytes)
    with spooled:
        try:
            result = dataset_rows_validate(configuration=configuration, csv_file=spooled)
        except ImportFailed as failure:
            return DryRunReport(configuration, failure.rows_received, tuple(failure.errors))
    return DryRunReport(configuration, result.rows_received, ())
