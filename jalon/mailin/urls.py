from django.urls import path

from jalon.mailin import views

app_name = "mailin"
urlpatterns = [
    path("", views.mail_list, name="list"),
    path("<int:pk>/", views.mail_detail, name="detail"),
    path("<int:pk>/completer/", views.mail_convert, name="convert"),
    path("<int:pk>/ecarter/", views.mail_dismiss, name="dismiss"),
    path("<int:pk>/courriel.eml", views.raw_download, name="raw"),
    path("<int:pk>/pieces-jointes/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
