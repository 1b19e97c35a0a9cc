"""Issue an API token for software sending referrals on behalf of a user; the key is shown once."""

from django.core.management.base import BaseCommand, CommandError

from jalon.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un utilisateur (affiché une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="Nom du logiciel client, par exemple « Logiciel du cabinet ».")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"Utilisateur actif introuvable : {username}")
        _token, key = ApiToken.issue(user=user, name=name)
        self.stdout.write(f"Jeton pour {username} ({name}) : {key}\nConservez-le : il ne sera plus affiché.")
