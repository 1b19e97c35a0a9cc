from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "jalon.pathways"
    label = "pathways"
