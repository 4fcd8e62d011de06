from django.conf import settings
from django.db import models

from workspace.models import Workspace


class ApiKey(models.Model):
    """A workspace API key. The secret is shown once; only its SHA-256 is stored.

    `expires_on` is the date the key stops working: it is valid until the end of the day before.
    """

    class KeyType(models.TextChoices):
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    key_type = models.CharField(max_length=10, choices=KeyType.choices)
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_key_type_display()})"
