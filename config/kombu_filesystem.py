"""kombu's filesystem transport, with messages that appear whole.

The stock transport creates a message file, then locks and writes it; a worker listing the
folder in between moves the still-empty file away and fails to decode it, and that message is
lost (seen when a worker restarted while imports were being re-queued). Here a message is
written under a name no reader picks up, then renamed into place: a rename within one folder
is atomic, so readers see no file or the whole file.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    # The signature of kombu's own filesystem channel, which its stubs say breaks the base one.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # Readers take only names "<stamp>.<queue>.msg"; this one starts with a dot.
        writing = os.path.join(self.data_folder_out, f".writing-{name}")
        try:
            with open(writing, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(writing, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
