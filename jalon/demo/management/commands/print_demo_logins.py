"""Print the demo logins that exist in this database (nothing when there are none)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jalon.accounts.models import User
from jalon.demo.logins import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Affiche les comptes de démonstration présents dans la base."

    def handle(self, *args, **options):
        existing = set(
            User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).values_list(
                "username", flat=True
            )
        )
        logins = [login for login in DEMO_LOGINS if login.username in existing]
        if not logins:
            return
        rows = [(_("Identifiant"), _("Rôle"), _("Ce qu'il ou elle peut faire"))]
        rows += [(login.username, login.role_label, str(login.can_do)) for login in logins]
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        self.stdout.write(
            _("Comptes de démonstration (mot de passe pour tous : %(password)s)") % {"password": DEMO_PASSWORD}
        )
        if not settings.JALON_REQUIRE_2FA:
            self.stdout.write(
                _(
                    "Double authentification non exigée (démonstration, JALON_REQUIRE_2FA=0) ; "
                    "chacun peut l'activer depuis « Double authentification »."
                )
            )
        for index, (username, role, can_do) in enumerate(rows):
            self.stdout.write(f"  {username.ljust(widths[0])}  {role.ljust(widths[1])}  {can_do}")
            if index == 0:
                self.stdout.write(f"  {'-' * widths[0]}  {'-' * widths[1]}  {'-' * len(can_do)}")
