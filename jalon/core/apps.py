from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jalon.core"
    label = "core"

    def ready(self):
        from jalon.core.freshness import watch_writes

        watch_writes()
