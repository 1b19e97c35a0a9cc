from django.contrib.auth import views as auth_views
from django.urls import path

from jalon.accounts import security_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_trail, name="audit"),
    path("confirmer-mot-de-passe/", security_views.reauth, name="reauth"),
    path("mot-de-passe/", security_views.PasswordChangeView.as_view(), name="password_change"),
    path("mot-de-passe/modifie/", security_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
