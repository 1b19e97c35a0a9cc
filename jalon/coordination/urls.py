"""Under /demandes/, after the referrals app's own pages (config/urls.py includes both, referrals first)."""

from django.urls import path

from jalon.coordination import views

app_name = "coordination"
urlpatterns = [
    path("file/", views.worklist, name="worklist"),
    path("<str:reference>/", views.referral_detail, name="referral"),
    path("<str:reference>/opposition/", views.sharing_opposition, name="sharing_opposition"),
    path("<str:reference>/medecin-traitant/confirmer/", views.confirm_gp, name="confirm_gp"),
    path("<str:reference>/signe-lu/confirmer/", views.text_sign_confirm, name="text_sign_confirm"),
    path("<str:reference>/signe-lu/ecarter/", views.text_sign_dismiss, name="text_sign_dismiss"),
    path("<str:reference>/<str:action>/", views.referral_action, name="action"),
]
