from django.apps import AppConfig


class TeleexpertiseConfig(AppConfig):
    name = "jalon.teleexpertise"
    label = "teleexpertise"
