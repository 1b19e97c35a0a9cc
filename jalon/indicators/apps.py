from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "jalon.indicators"
    label = "indicators"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from jalon.boards.models import BoardCase, BoardDecision, CarePlan
        from jalon.diagnostics.models import PathologyRequest
        from jalon.indicators.facts import pathway_facts_refresh
        from jalon.indicators.figures_cache import months_changed
        from jalon.indicators.models import PathwayFacts
        from jalon.pathways.signals import pathway_changed
        from jalon.referrals.models import Referral
        from jalon.scheduling.models import Appointment, SlotRelease

        def refresh_facts(sender, *, pathway_id: int, **kwargs) -> None:
            """Every pathway write rewrites its facts row, in the writer's transaction, and its cohort month's
            cached figures are not read again."""
            row = pathway_facts_refresh(pathway_id=pathway_id)
            if row is not None:
                months_changed([row.received_at])

        pathway_changed.connect(refresh_facts, dispatch_uid="indicators.refresh_facts", weak=False)

        # The other rows the dashboard counts by month: their month's cached figures are not read again.
        def referral_written(sender, instance, **kwargs) -> None:
            months_changed([instance.received_at])

        def appointment_written(sender, instance, **kwargs) -> None:
            months_changed([instance.booked_at, instance.slot.start])  # the slot: usually loaded already

        def release_written(sender, instance, **kwargs) -> None:
            months_changed([instance.released_at])

        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(referral_written, sender=Referral, dispatch_uid=f"indicators.referral_{name}", weak=False)
            signal.connect(
                appointment_written, sender=Appointment, dispatch_uid=f"indicators.appointment_{name}", weak=False
            )
            signal.connect(release_written, sender=SlotRelease, dispatch_uid=f"indicators.release_{name}", weak=False)

        # The tumour boards' rows (issue 16): a case listed or sorted, a decision, a PPS handed change the board
        # figures of their pathway's cohort month; a pathology request (a re-biopsy sent) the pathology ones. Most
        # of these writes do not go through pathways' services (no `pathway_changed`): the month is read from the
        # pathway's facts row.
        def board_row_written(sender, instance, **kwargs) -> None:
            pathway_id = instance.case.pathway_id if sender is BoardDecision else instance.pathway_id
            months_changed(PathwayFacts.objects.filter(pathway_id=pathway_id).values_list("received_at", flat=True))

        for model in (BoardCase, BoardDecision, CarePlan, PathologyRequest):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(
                    board_row_written,
                    sender=model,
                    dispatch_uid=f"indicators.{model._meta.model_name}_{name}",
                    weak=False,
                )
