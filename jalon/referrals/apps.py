from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "jalon.referrals"
    label = "referrals"

    def ready(self) -> None:
        from jalon.patients.services import register_patient_merger
        from jalon.patients.views import register_patient_page_part

        # Importing the selectors also connects their memos (core.memo) in every process, the worker included.
        from jalon.referrals.selectors import patient_referrals_for_user
        from jalon.referrals.services import referrals_merge_patient

        register_patient_merger(self.label, referrals_merge_patient)
        register_patient_page_part("referrals", patient_referrals_for_user)
