from django.urls import path

from jalon.referrals import views

app_name = "referrals"
urlpatterns = [
    path("nouvelle/", views.referral_new, name="new"),
    path("appel/", views.phone_intake, name="phone_intake"),
    path("mes-demandes/", views.my_referrals, name="mine"),
    path("communes/", views.commune_suggestions, name="communes"),
    path("medecins/", views.physician_suggestions, name="physicians"),
    path("<str:reference>/accuse-de-reception/", views.acknowledgment, name="acknowledgment"),
    path("<str:reference>/completer/", views.referral_complete, name="complete"),
    path("<str:reference>/documents/<int:document_id>/", views.document_download, name="document"),
]
