from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "jalon.pathways"
    label = "pathways"

    def ready(self) -> None:
        from jalon.pathways.services import pathways_merge_patient
        from jalon.patients.services import register_patient_merger

        register_patient_merger(self.label, pathways_merge_patient)

        from jalon.pathways.services import complement_tasks_close
        from jalon.referrals.signals import complement_answered

        def close_complement_tasks(sender, *, referral_id, items, actor, **kwargs):  # noqa: ARG001
            complement_tasks_close(actor=actor, referral_id=referral_id, items=items)

        complement_answered.connect(close_complement_tasks, dispatch_uid="pathways.close_complement_tasks", weak=False)
