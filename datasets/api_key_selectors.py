"""Reads for the API Keys screens. Only Workspace Admins see keys; anyone else gets a 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from datasets.models import ApiKey
from workspace.models import Workspace
from workspace.selectors import AnyUser, workspace_for_admin


def api_key_list(*, workspace: Workspace) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(workspace=workspace).select_related("created_by")


def api_key_get_for_admin(*, user: AnyUser, api_key_id: int) -> ApiKey:
    workspace = workspace_for_admin(user=user)
    return get_object_or_404(
        ApiKey.objects.select_related("workspace"), pk=api_key_id, workspace=workspace
    )
