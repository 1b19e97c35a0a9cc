from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "jalon.portal"
    label = "portal"

    def ready(self) -> None:
        from jalon.pathways.signals import pathway_page_shown
        from jalon.portal.services import thread_mark_read

        def mark_thread_read(sender, *, user, referral, **kwargs) -> None:
            """The pathway page shows the GP's conversation: showing it marks it read for this user."""
            thread_mark_read(user=user, referral=referral)

        pathway_page_shown.connect(mark_thread_read, dispatch_uid="portal.mark_thread_read", weak=False)
