from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "jalon.messaging"
    label = "messaging"
