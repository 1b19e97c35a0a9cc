from django.contrib.auth import views as auth_views
from django.urls import path

from jalon.accounts import psc_views, security_views, two_factor_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_trail, name="audit"),
    path("confirmer-mot-de-passe/", security_views.reauth, name="reauth"),
    path("mot-de-passe/", security_views.PasswordChangeView.as_view(), name="password_change"),
    path("mot-de-passe/modifie/", security_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("connexion/verification/", two_factor_views.verify, name="two_factor_verify"),
    path("connexion/pro-sante-connect/", psc_views.psc_login, name="psc_login"),
    path("connexion/pro-sante-connect/retour/", psc_views.psc_callback, name="psc_callback"),
    path("mon-compte/double-authentification/", two_factor_views.account, name="two_factor"),
    path("mon-compte/double-authentification/activer/", two_factor_views.enrol, name="two_factor_enrol"),
    path(
        "mon-compte/double-authentification/codes-de-secours/",
        two_factor_views.recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("mon-compte/double-authentification/desactiver/", two_factor_views.remove, name="two_factor_remove"),
    path(
        "mon-compte/double-authentification/nouveaux-codes/",
        two_factor_views.renew_recovery_codes,
        name="two_factor_renew_recovery_codes",
    ),
]
