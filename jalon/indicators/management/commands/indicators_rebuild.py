"""Rebuild the indicators' facts of every pathway from its milestones (after an upgrade, or a bulk import)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from jalon.indicators.facts import pathway_facts_rebuild


class Command(BaseCommand):
    help = "Recalcule les faits des indicateurs de tous les parcours à partir de leurs jalons."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000, help="Parcours par transaction.")

    def handle(self, *args, batch: int, **options):
        started = time.perf_counter()
        count = pathway_facts_rebuild(batch_size=batch)
        self.stdout.write(f"{count} parcours recalculés en {time.perf_counter() - started:.1f} s.")
