from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "jalon.indicators"
    label = "indicators"
