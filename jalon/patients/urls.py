from django.urls import path

from jalon.patients import views

app_name = "patients"
urlpatterns = [
    path("conflits-identite/", views.identity_conflict_list, name="identity_conflicts"),
    path("conflits-identite/<int:pk>/", views.identity_conflict_detail, name="identity_conflict"),
]
