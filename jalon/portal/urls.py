from django.urls import path

from jalon.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.patients, name="patients"),
    path("<str:reference>/", views.patient, name="patient"),
    path("<str:reference>/direct/", views.patient_live, name="patient_live"),
    path("<str:reference>/courriers/<int:letter_id>/", views.letter_download, name="letter"),
    path("<str:reference>/echanges/", views.thread_post, name="thread_post"),
]
