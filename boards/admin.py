from django.contrib import admin

from boards.models import Board, Widget


class WidgetInline(admin.TabularInline):
    model = Widget
    extra = 0
    fields = ["position", "kind", "title", "connection", "dataset"]
    raw_id_fields = ["connection", "dataset"]


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "application", "layout_version", "created_at"]
    list_filter = ["application__workspace"]
    search_fields = ["name", "application__name"]
    readonly_fields = ["layout_version", "created_at"]
    inlines = [WidgetInline]


@admin.register(Widget)
class WidgetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "title", "board", "position"]
    list_filter = ["kind", "board__application__workspace"]
    search_fields = ["title", "button_label", "board__name"]
    # Raw ids: a select would list every connection and dataset of every workspace.
    raw_id_fields = ["board", "connection", "dataset"]
    readonly_fields = ["created_at", "updated_at"]
