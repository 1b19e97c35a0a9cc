"""Generate a synthetic regional population for the indicators (see jalon/demo/synthetic_region.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jalon.demo.synthetic_region import RegionalPopulation


class Command(BaseCommand):
    help = _(
        "Génère une population régionale synthétique (sites, professionnels, patients, demandes, parcours, "
        "jalons, événements, rendez-vous) pour mesurer les indicateurs, puis en calcule les faits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pathways", type=int, default=100_000, help=_("Nombre de parcours (défaut : 100 000)."))
        parser.add_argument(
            "--years", type=int, default=3, help=_("Années couvertes, jusqu'au mois en cours (défaut : 3).")
        )
        parser.add_argument("--sites", type=int, default=5, help=_("Sites hospitaliers synthétiques (défaut : 5)."))
        parser.add_argument("--seed", type=int, default=1, help=_("Graine du tirage (défaut : 1)."))
        parser.add_argument(
            "--batch", type=int, default=2000, help=_("Demandes écrites par transaction (défaut : 2 000).")
        )

    def handle(self, *args, **options):
        try:
            population = RegionalPopulation(
                pathways=options["pathways"],
                years=options["years"],
                sites=options["sites"],
                seed=options["seed"],
                batch=options["batch"],
                log=self.stdout.write,
            )
        except ValueError as error:
            raise CommandError(_("Paramètre invalide : %(error)s") % {"error": error}) from error
        try:
            counts = population.run()
        except ValueError as error:
            raise CommandError(str(error)) from error
        width = max(len(key) for key in counts)
        for key, value in counts.items():
            self.stdout.write(f"{key:<{width}}  {value:>12,}")
        self.stdout.write(
            _(
                "Références %(prefix)s… ; événements des étapes (réalisées, corrigées, sans objet, rendez-vous) : "
                "%(events)s."
            )
            % {"prefix": population.prefix, "events": f"{counts['milestone_events'] + counts['appointment_events']:,}"}
        )
