from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "jalon.events"
    label = "events"
