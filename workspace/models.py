from django.conf import settings
from django.db import models


class Workspace(models.Model):
    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Application(models.Model):
    """A planning application inside a workspace (e.g. "Sales Planning"); boards belong to one."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="applications")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="unique_application_name")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Workspace Admin"
        MEMBER = "member", "Member"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    # When the user last switched to this workspace. The most recently chosen membership is the
    # one every page works in, on every device; never chosen, the oldest membership is.
    chosen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.get_role_display()})"


class ApplicationRole(models.Model):
    """What a workspace member may do with one application's boards. Admins need none."""

    class Level(models.TextChoices):
        CONFIGURE = "configure", "Can configure boards"
        OPEN = "open", "Can open boards"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="application_roles"
    )
    level = models.CharField(max_length=10, choices=Level.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "user"], name="unique_application_role")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_level_display()} in {self.application}"
