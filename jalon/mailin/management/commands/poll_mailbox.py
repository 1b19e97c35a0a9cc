"""Read the secure mailbox now (what the worker does every two minutes)."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jalon.mailin.services import mailbox_poll


class Command(BaseCommand):
    help = _(
        "Lit la messagerie sécurisée (MAIL_IN_URL) et range les courriels reçus pour le guichet MAIL_IN_ENTRY_POINT."
    )

    def handle(self, *args, **options):
        try:
            result = mailbox_poll()
        except ImproperlyConfigured as error:
            raise CommandError(_("Configuration de la messagerie refusée : %(error)s") % {"error": error}) from error
        if not result.configured:
            raise CommandError(_("MAIL_IN_ENTRY_POINT ne désigne aucun guichet : la messagerie n'est pas lue."))
        self.stdout.write(
            _(
                "%(stored)d courriel(s) enregistré(s), %(unreadable)d illisible(s) gardé(s), %(duplicates)d déjà "
                "connu(s), %(failed)d en échec."
            )
            % {
                "stored": result.stored,
                "unreadable": result.unreadable,
                "duplicates": result.duplicates,
                "failed": result.failed,
            }
        )
        for error in result.errors:
            self.stderr.write(error)
        if result.failed:
            raise CommandError(_("Certains courriels n'ont pas pu être lus : ils restent dans la messagerie."))
        if result.errors:
            raise CommandError(_("La messagerie n'a pas pu être lue jusqu'au bout : nouvel essai au prochain passage."))
