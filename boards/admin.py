"""Boards in the Django admin (superusers only).

The admin writes widgets with its own forms rather than the widget services, so every save or
delete here bumps the layout version of the boards it touched: open boards then redraw on their
next change check instead of showing the old layout until a reload.
"""

from django.contrib import admin

from boards.models import Board, Widget
from boards.services import board_layout_touch


class WidgetInline(admin.TabularInline):
    model = Widget
    extra = 0
    fields = ["kind", "title", "grid_x", "grid_y", "grid_w", "grid_h", "connection", "dataset"]
    raw_id_fields = ["connection", "dataset"]


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "application", "layout_version", "created_at"]
    list_filter = ["application__workspace"]
    search_fields = ["name", "application__name"]
    readonly_fields = ["layout_version", "created_at"]
    inlines = [WidgetInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.new_objects or formset.changed_objects or formset.deleted_objects:
            board_layout_touch(board_ids=[form.instance.pk])


@admin.register(Widget)
class WidgetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "title", "board", "grid_x", "grid_y", "grid_w", "grid_h"]
    list_filter = ["kind", "board__application__workspace"]
    search_fields = ["title", "button_label", "board__name"]
    # Raw ids: a select would list every connection and dataset of every workspace.
    raw_id_fields = ["board", "connection", "dataset"]
    readonly_fields = ["position", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        # A widget moved to another board leaves its old board changed too.
        previous_board_id = form.initial.get("board") if change else None
        super().save_model(request, obj, form, change)
        board_layout_touch(board_ids=[previous_board_id, obj.board_id])

    def delete_model(self, request, obj):
        board_id = obj.board_id
        super().delete_model(request, obj)
        board_layout_touch(board_ids=[board_id])

    def delete_queryset(self, request, queryset):
        board_ids = list(queryset.values_list("board_id", flat=True))
        super().delete_queryset(request, queryset)
        board_layout_touch(board_ids=board_ids)
