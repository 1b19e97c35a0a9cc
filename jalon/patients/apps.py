from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "jalon.patients"
    label = "patients"
