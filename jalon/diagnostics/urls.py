from django.urls import path, re_path

from jalon.core.references import REFERENCE_URL_PATTERN
from jalon.diagnostics import views

app_name = "diagnostics"
# The pathway's exams and pathology sit under its page (/parcours/<reference>/...); the pathologist's screen
# is /anapath/.
PATHWAY = REFERENCE_URL_PATTERN.replace("^", "^parcours/", 1)
urlpatterns = [
    path("anapath/", views.pathology_worklist, name="pathology_worklist"),
    path("anapath/<int:request_id>/", views.pathology_detail, name="pathology_detail"),
    path("anapath/<int:request_id>/resultat/", views.pathology_result, name="pathology_result"),
    re_path(PATHWAY + r"anapath/nouvelle/$", views.pathology_new, name="pathology_new"),
    re_path(PATHWAY + r"examens/nouveau/$", views.exam_new, name="exam_new"),
    re_path(PATHWAY + r"examens/(?P<exam_id>\d+)/$", views.exam_detail, name="exam_detail"),
    re_path(
        PATHWAY + r"examens/(?P<exam_id>\d+)/comptes-rendus/(?P<report_id>\d+)/$",
        views.exam_report,
        name="exam_report",
    ),
]
