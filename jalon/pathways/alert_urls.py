from django.urls import path

from jalon.pathways import alert_views

app_name = "pathways_alerts"
urlpatterns = [
    path("", alert_views.alert_list, name="list"),
    path("<int:alert_id>/prise-en-compte/", alert_views.alert_acknowledge_view, name="acknowledge"),
]
