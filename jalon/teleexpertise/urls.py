from django.urls import path

from jalon.teleexpertise import views

app_name = "teleexpertise"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("nouvelle/", views.request_new, name="new"),
    path("<str:reference>/", views.request_detail, name="detail"),
    path("<str:reference>/repondre/", views.request_answer, name="answer"),
    path("<str:reference>/retirer/", views.request_withdraw, name="withdraw"),
    path("<str:reference>/orienter/", views.request_convert, name="convert"),
    path("<str:reference>/documents/<int:document_id>/", views.document_download, name="document"),
]
