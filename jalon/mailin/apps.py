from django.apps import AppConfig


class MailinConfig(AppConfig):
    name = "jalon.mailin"
    label = "mailin"
