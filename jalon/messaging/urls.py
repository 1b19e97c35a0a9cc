from django.urls import path

from jalon.messaging import views

app_name = "messaging"
urlpatterns = [
    path("<int:message_id>/<str:action>/", views.failed_message_action, name="failed_action"),
]
