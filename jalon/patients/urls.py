from django.urls import path

from jalon.patients import identity_views, views

app_name = "patients"
urlpatterns = [
    path("<int:pk>/", views.patient_detail, name="detail"),
    path("<int:pk>/equipe-de-soins/accorder/", views.care_team_grant_view, name="care_team_grant"),
    path("<int:pk>/equipe-de-soins/<int:member_id>/retirer/", views.care_team_end_view, name="care_team_end"),
    path("conflits-identite/", identity_views.identity_conflict_list, name="identity_conflicts"),
    path("conflits-identite/<int:pk>/", identity_views.identity_conflict_detail, name="identity_conflict"),
]
