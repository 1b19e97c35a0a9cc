from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "jalon.triage"
    label = "triage"
