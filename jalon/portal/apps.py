from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "jalon.portal"
    label = "portal"
