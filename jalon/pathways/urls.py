from django.urls import re_path

from jalon.core.references import REFERENCE_URL_PATTERN
from jalon.pathways import views

app_name = "pathways"
# A pathway is named by its referral's reference (JAL-2026-000123); the pattern leaves other words
# under /parcours/ (template management pages) to other routes.
REFERENCE = REFERENCE_URL_PATTERN
urlpatterns = [
    re_path(REFERENCE + r"$", views.pathway_detail, name="detail"),
    re_path(REFERENCE + r"etapes/(?P<milestone_id>\d+)/enregistrer/$", views.milestone_record, name="milestone_record"),
    re_path(REFERENCE + r"etapes/(?P<milestone_id>\d+)/passer/$", views.milestone_skip, name="milestone_skip"),
    re_path(REFERENCE + r"issue/$", views.outcome_record, name="outcome"),
    re_path(REFERENCE + r"cloture/$", views.pathway_close, name="close"),
    re_path(REFERENCE + r"taches/(?P<task_id>\d+)/fait/$", views.task_done, name="task_done"),
    re_path(REFERENCE + r"sejour/$", views.stay_record, name="stay"),
    re_path(REFERENCE + r"documents/ajouter/$", views.document_add, name="document_add"),
    re_path(REFERENCE + r"courriers/(?P<letter_id>\d+)/$", views.letter_download, name="letter"),
]
