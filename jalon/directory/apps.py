from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "jalon.directory"
    label = "directory"
