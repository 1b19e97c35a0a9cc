from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "jalon.messaging"
    label = "messaging"

    def ready(self) -> None:
        # Connects the worker to `outbox_message_queued` in every process (web and worker alike).
        from jalon.messaging import tasks  # noqa: F401
