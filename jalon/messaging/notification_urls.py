from django.urls import path

from jalon.messaging import notification_views as views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("preferences/", views.preferences, name="preferences"),
    path("modeles/", views.template_list, name="templates"),
    path("modeles/<str:kind>/", views.template_edit, name="template_edit"),
    path(
        "modeles/organisation/<int:organization_id>/<str:kind>/",
        views.template_edit_organization,
        name="template_edit_organization",
    ),
]
