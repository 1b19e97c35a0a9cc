from django.urls import path

from jalon.triage import views

app_name = "triage_rules"
urlpatterns = [
    path("", views.published, name="published"),
    path("signes-lus/", views.text_signs_suggest, name="text_signs_suggest"),
    path("version-de-travail/", views.draft_create, name="draft_create"),
    path("v<int:version>/", views.rule_set_detail, name="rule_set"),
    path("v<int:version>/regles/nouvelle/", views.rule_new, name="rule_new"),
    path("v<int:version>/regles/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("v<int:version>/regles/<int:rule_id>/supprimer/", views.rule_delete, name="rule_delete"),
    path("v<int:version>/essai/", views.rule_set_dry_run, name="dry_run"),
    path("v<int:version>/publier/", views.rule_set_publish, name="publish"),
]
