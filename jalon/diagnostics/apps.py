from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "jalon.diagnostics"
    label = "diagnostics"

    def ready(self) -> None:
        from jalon.diagnostics.selectors import pathway_diagnostics
        from jalon.pathways.selectors import page_section_register

        page_section_register("diagnostics", pathway_diagnostics)
