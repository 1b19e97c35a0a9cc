from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "jalon.scheduling"
    label = "scheduling"
