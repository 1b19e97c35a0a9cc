from django.contrib import admin
from django.urls import include, path

from jalon.api import api

urlpatterns = [
    path("", include("jalon.accounts.urls")),
    path("demandes/", include("jalon.referrals.urls")),
    path("demandes/", include("jalon.coordination.urls")),  # after referrals: its "<reference>/" pages catch the rest
    path("patients/", include("jalon.patients.urls")),
    path("alertes/", include("jalon.pathways.alert_urls")),
    path("messages-non-distribues/", include("jalon.messaging.urls")),
    path("notifications/", include("jalon.messaging.notification_urls")),
    path("parcours/", include("jalon.pathways.urls")),
    path("", include("jalon.diagnostics.urls")),  # /anapath/ and /parcours/<reference>/examens|anapath/
    path("planification/", include("jalon.scheduling.urls")),
    path("modeles-de-parcours/", include("jalon.pathways.manage_urls")),
    path("regles-de-tri/", include("jalon.triage.urls")),
    path("rcp/", include("jalon.boards.urls")),
    path("mes-patients/", include("jalon.portal.urls")),
    path("teleexpertise/", include("jalon.teleexpertise.urls")),
    path("courriels-recus/", include("jalon.mailin.urls")),
    path("indicateurs/", include("jalon.indicators.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "jalon.core.views.not_found"
handler500 = "jalon.core.views.server_error"
handler403 = "jalon.core.views.forbidden"
handler400 = "jalon.core.views.bad_request"
