from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "jalon.pathways"
    label = "pathways"

    def ready(self) -> None:
        from jalon.pathways.services import pathways_merge_patient
        from jalon.patients.services import register_patient_merger

        register_patient_merger(self.label, pathways_merge_patient)
