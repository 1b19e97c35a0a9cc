from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "jalon.diagnostics"
    label = "diagnostics"

    def ready(self) -> None:
        from jalon.diagnostics.selectors import pathway_diagnostics
        from jalon.diagnostics.services import pathology_steps_awaited_from_a_request
        from jalon.pathways.alerts import overdue_reported_elsewhere_register
        from jalon.pathways.selectors import page_section_register

        page_section_register("diagnostics", pathway_diagnostics)
        # A late pathology result is reported once, by `pathology.late` (the pathologist's date), not again by the
        # milestone's overdue alert.
        overdue_reported_elsewhere_register(pathology_steps_awaited_from_a_request)
