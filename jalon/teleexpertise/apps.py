from django.apps import AppConfig


class TeleexpertiseConfig(AppConfig):
    name = "jalon.teleexpertise"
    label = "teleexpertise"

    def ready(self) -> None:
        from jalon.patients.services import register_patient_merger
        from jalon.teleexpertise.services import teleexpertise_requests_merge_patient

        register_patient_merger(self.label, teleexpertise_requests_merge_patient)
