from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "jalon.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from jalon.pathways.selectors import page_section_register
        from jalon.scheduling.selectors import pathway_appointments

        page_section_register("appointments", pathway_appointments)
