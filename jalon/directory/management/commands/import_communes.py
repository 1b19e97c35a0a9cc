"""Load (or refresh) the official list of communes from data/communes.csv.gz."""

from django.core.management.base import BaseCommand
from django.db import transaction

from jalon.directory.communes_data import iter_communes
from jalon.directory.models import Commune


class Command(BaseCommand):
    help = "Importe la liste officielle des communes (code INSEE, nom, codes postaux, département)."

    @transaction.atomic
    def handle(self, *args, **options):
        rows = list(iter_communes())
        existing = set(Commune.objects.values_list("code", flat=True))
        new = [
            Commune(code=r.code, name=r.name, department=r.department, postal_codes=" ".join(r.postal_codes))
            for r in rows
            if r.code not in existing
        ]
        Commune.objects.bulk_create(new, batch_size=2000)
        updated = [
            Commune(code=r.code, name=r.name, department=r.department, postal_codes=" ".join(r.postal_codes))
            for r in rows
            if r.code in existing
        ]
        Commune.objects.bulk_update(updated, ["name", "department", "postal_codes"], batch_size=2000)
        self.stdout.write(f"{len(new)} communes ajoutées, {len(updated)} mises à jour.")
