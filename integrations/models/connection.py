from django.conf import settings
from django.db import models

from integrations.encrypted_fields import StrictEncryptedTextField
from workspace.models import Application, Workspace


class Connection(models.Model):
    """An API request connection: a static outgoing POST set up by a Workspace Admin.

    URL, headers and body are encrypted at rest. Headers are a JSON object kept as text (the
    library's JSON field would turn numbers into strings); the body is kept byte-for-byte as the
    admin typed it, because that is what the receiver must get. `host` is stored in clear: it is
    what the quota and the delivery log are keyed on, and it is shown to admins and viewers.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="connections")
    name = models.CharField(max_length=100)
    applications = models.ManyToManyField(
        Application, related_name="connections", blank=True, verbose_name="Application access"
    )
    url = StrictEncryptedTextField(verbose_name="POST endpoint URL")
    headers = StrictEncryptedTextField(blank=True, default="")
    body = StrictEncryptedTextField(blank=True, default="", verbose_name="JSON body")
    host = models.CharField(max_length=255)
    enabled = models.BooleanField(default=True)
    # Off for services that echo the request back: deliveries then record status and duration
    # only, so no transformation of a secret the masking misses can reach the delivery log.
    keep_response_bodies = models.BooleanField(default=True, verbose_name="Keep response bodies")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="unique_connection_name")
        ]

    def __str__(self) -> str:
        return self.name
