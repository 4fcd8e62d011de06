from django.urls import path

from boards.views import actions, boards, inspector, live, manage, widgets

app_name = "boards"

urlpatterns = [
    path("new/<int:application_pk>/", manage.board_create_view, name="create"),
    path("<int:pk>/", boards.board_detail, name="detail"),
    path("<int:pk>/rename/", manage.board_rename_view, name="rename"),
    path("<int:pk>/duplicate/", manage.board_duplicate_view, name="duplicate"),
    path("<int:pk>/delete/", manage.board_delete_view, name="delete"),
    path("<int:pk>/edit/", boards.board_edit, name="edit"),
    path("<int:pk>/layout/", widgets.board_layout, name="layout"),
    path("<int:pk>/events/", live.board_events, name="events"),
    # Edit mode
    path("<int:pk>/widgets/add/", widgets.widget_add_choose, name="widget_add_choose"),
    path("<int:pk>/widgets/add/<slug:slug>/", widgets.widget_add, name="widget_add"),
    path("<int:pk>/widgets/<int:widget_pk>/edit/", widgets.widget_edit, name="widget_edit"),
    # The inspector's live preview of a widget form (saves nothing)
    path(
        "<int:pk>/widgets/preview/<slug:slug>/",
        inspector.widget_preview_view,
        name="widget_preview",
    ),
    path("<int:pk>/widgets/<int:widget_pk>/move/", widgets.widget_step, name="widget_move"),
    path("<int:pk>/widgets/<int:widget_pk>/remove/", widgets.widget_remove, name="widget_remove"),
    # Action buttons
    path("<int:pk>/widgets/<int:widget_pk>/click/", actions.widget_click_view, name="widget_click"),
    path(
        "<int:pk>/widgets/<int:widget_pk>/confirm/", actions.widget_confirm, name="widget_confirm"
    ),
    path("<int:pk>/widgets/<int:widget_pk>/action/", actions.widget_action, name="widget_action"),
    path(
        "<int:pk>/widgets/<int:widget_pk>/deliveries/<int:delivery_pk>/",
        actions.widget_delivery,
        name="widget_delivery",
    ),
]
