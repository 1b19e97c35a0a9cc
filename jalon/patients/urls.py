from django.urls import path

from jalon.patients import views

app_name = "patients"
urlpatterns = [
    path("<int:pk>/", views.patient_detail, name="detail"),
    path("<int:pk>/equipe-de-soins/accorder/", views.care_team_grant_view, name="care_team_grant"),
    path("<int:pk>/equipe-de-soins/<int:member_id>/retirer/", views.care_team_end_view, name="care_team_end"),
]
