"""Load the demo data of `make run` (jalon/demo/loader.py) on an empty database: a CPTS, a hospital, a
clinic, about thirty professionals, one login per role and fifty referrals in every status; then, for the
indicators' dashboard, a synthetic region of 3,000 pathways over three years at three synthetic sites.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jalon.accounts.models import User
from jalon.demo.loader import SYNTHETIC_PATHWAYS, SYNTHETIC_SITES, SYNTHETIC_YEARS, demo_load, synthetic_region_create
from jalon.directory.models import Professional
from jalon.referrals.models import Referral


class Command(BaseCommand):
    help = "Charge les données de démonstration (territoire, professionnels, comptes, demandes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Ne rien faire si la base contient déjà des données."
        )
        parser.add_argument(
            "--only-territory-communes",
            action="store_true",
            help="N'importer que les communes utilisées par la démonstration (tests), pas les 35 000.",
        )
        parser.add_argument(
            "--synthetic-pathways",
            type=int,
            default=None,
            help=(
                "Parcours de la région synthétique qui nourrit le tableau de bord des indicateurs (3 ans, 3 sites "
                f"synthétiques distincts des organisations de la démonstration) ; défaut : {SYNTHETIC_PATHWAYS}, "
                "0 avec --only-territory-communes (ses sites ont leurs propres communes)."
            ),
        )

    def handle(self, *args, **options):
        synthetic = options["synthetic_pathways"]
        if synthetic is None:
            synthetic = 0 if options["only_territory_communes"] else SYNTHETIC_PATHWAYS
        if synthetic < 0:
            raise CommandError(_("Le nombre de parcours synthétiques ne peut pas être négatif."))
        if User.objects.exists() or Referral.objects.exists():
            if options["if_empty"]:
                self.stdout.write(_("Données déjà présentes : la démonstration n'est pas chargée."))
                return
            raise CommandError(_("La base contient déjà des données : la démonstration se charge sur une base vide."))
        context = demo_load(only_territory_communes=options["only_territory_communes"], stdout=self.stdout)
        counts = {"professionals": Professional.objects.count(), "referrals": Referral.objects.count()}
        self.stdout.write(
            _("Démonstration chargée : %(professionals)d professionnels, %(referrals)d demandes.") % counts
        )
        if synthetic:
            self._create_synthetic_region(synthetic, now=context.now)

    def _create_synthetic_region(self, pathways: int, *, now) -> None:
        counts, seconds = synthetic_region_create(pathways=pathways, now=now)
        self.stdout.write(
            _(
                "Région synthétique pour les indicateurs : %(pathways)d parcours sur %(years)d ans, %(sites)d sites "
                "(%(seconds)s s)."
            )
            % {"pathways": counts["pathways"], "years": SYNTHETIC_YEARS, "sites": SYNTHETIC_SITES, "seconds": seconds}
        )
