from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "jalon.indicators"
    label = "indicators"

    def ready(self) -> None:
        from jalon.indicators.facts import pathway_facts_refresh
        from jalon.pathways.signals import pathway_changed

        def refresh_facts(sender, *, pathway_id: int, **kwargs) -> None:
            """Every pathway write rewrites its facts row, in the writer's transaction."""
            pathway_facts_refresh(pathway_id=pathway_id)

        pathway_changed.connect(refresh_facts, dispatch_uid="indicators.refresh_facts", weak=False)
