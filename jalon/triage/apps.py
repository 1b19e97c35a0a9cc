from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "jalon.triage"
    label = "triage"

    def ready(self) -> None:
        from jalon.referrals.signals import referral_content_changed
        from jalon.triage.receivers import store_proposed_priority

        referral_content_changed.connect(store_proposed_priority, dispatch_uid="triage.store_proposed_priority")
