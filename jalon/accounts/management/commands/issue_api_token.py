"""Issue an API token for software sending referrals on behalf of a user; the key is shown once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jalon.accounts.models import ApiScope, User
from jalon.accounts.tokens import api_token_issue
from jalon.core.actor import Actor
from jalon.core.formatting import datetime_numeric


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un utilisateur (affiché une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="Nom du logiciel client, par exemple « Logiciel du cabinet ».")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            metavar="DROIT",
            help=f"Droit du jeton, à répéter pour plusieurs ({', '.join(ApiScope.values)}) ; par défaut tous.",
        )
        parser.add_argument(
            "--days", type=int, default=None, help="Durée de validité en jours (par défaut API_TOKEN_LIFETIME_DAYS)."
        )

    def handle(self, *args, username, name, scopes, days, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"Utilisateur actif introuvable : {username}")
        try:
            token, key = api_token_issue(
                actor=Actor.system(), user=user, name=name, scopes=scopes or ApiScope.values, lifetime_days=days
            )
        except ValidationError as error:
            raise CommandError(
                " ".join(message for messages in error.message_dict.values() for message in messages)
            ) from None
        expires = datetime_numeric(token.expires_at)
        self.stdout.write(
            f"Jeton pour {username} ({token.name}) : {key}\n"
            f"Droits : {', '.join(token.scopes)} ; expire le {expires}.\n"
            "Conservez-le : il ne sera plus affiché."
        )
