"""Nightly rebuild of the indicators' facts: a safety net behind the refresh every pathway write does
(it also picks up what changes a pathway's facts without a pathway write, such as an exam added to
the referral afterwards)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from jalon.indicators.facts import pathway_facts_rebuild


@db_periodic_task(crontab(hour="3", minute="30"))
@lock_task("indicators-facts-rebuild")
def rebuild_facts() -> None:
    pathway_facts_rebuild()
