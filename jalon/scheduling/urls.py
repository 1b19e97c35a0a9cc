from django.urls import path, re_path

from jalon.core.references import REFERENCE_URL_PATTERN
from jalon.scheduling import views

app_name = "scheduling"
# A pathway is named by its referral's reference (JAL-2026-000123), as under /parcours/.
REFERENCE = REFERENCE_URL_PATTERN
urlpatterns = [
    path("disponibilites/", views.availability, name="availability"),
    path("fermetures/", views.closures, name="closures"),
    re_path(REFERENCE + r"$", views.planner_page, name="planner"),
    re_path(REFERENCE + r"reserver/$", views.book, name="book"),
    re_path(REFERENCE + r"rendez-vous/(?P<appointment_id>\d{1,12})/annuler/$", views.cancel, name="cancel"),
    re_path(REFERENCE + r"lettre/(?P<group>[0-9a-f-]{36})/$", views.letter, name="letter"),
    re_path(REFERENCE + r"agenda\.ics$", views.calendar, name="calendar"),
]
