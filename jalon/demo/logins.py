"""The demo logins `load_demo` creates and `print_demo_logins` shows (one per role)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from jalon.accounts.models import Role, User
from jalon.directory.models import Professional

# Only for the demo database: `load_demo` refuses to run on a database that already holds data.
DEMO_PASSWORD = "jalon-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    can_do: str
    # Created at the end of the demo (`hospital_manager_create`), with a fixed name: a professional added to the
    # directory's list would shift every made-up name and date drawn after it.
    created_last: bool = False

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "medecin",
        Role.REFERRER,
        _("Médecin généraliste : adresse ses patients, suit ses demandes, répond aux demandes de complément."),
    ),
    DemoLogin(
        "coordination",
        Role.COORDINATOR,
        _("IDEC de la CPTS Strasbourg Nord : traite la file du numéro unique cancer, prépare les dossiers de RCP."),
    ),
    DemoLogin("coordination.hopital", Role.COORDINATOR, _("IDEC de l'hôpital : traite la file du diagnostic rapide.")),
    DemoLogin(
        "specialiste",
        Role.SPECIALIST,
        _(
            "Pneumologue à l'hôpital, président de la RCP d'oncologie : voit les patients qui lui sont confiés et les "
            "dossiers des réunions de sa RCP (tri, présences, décisions)."
        ),
    ),
    DemoLogin(
        "anapath",
        Role.PATHOLOGIST,
        _("Anatomopathologiste de l'hôpital : reçoit les prélèvements qui lui sont adressés et rend les résultats."),
    ),
    DemoLogin("infirmiere", Role.HOME_NURSE, _("Infirmière libérale : suit les patients qu'elle soigne à domicile.")),
    DemoLogin(
        "support", Role.SUPPORT_PROVIDER, _("Psychologue : suit les patients orientés vers les soins de support.")
    ),
    DemoLogin(
        "responsable", Role.MANAGER, _("Responsable de la CPTS : paramètres et indicateurs, sans données nominatives.")
    ),
    DemoLogin(
        "responsable.hopital",
        Role.MANAGER,
        _("Responsable à l'hôpital : crée et règle les RCP de l'hôpital, annule une réunion ; indicateurs."),
        created_last=True,
    ),
    DemoLogin("admin", Role.ADMIN, _("Administration : comptes, référentiels, journal d'audit.")),
    DemoLogin(
        "analyste",
        Role.REGIONAL_ANALYST,
        _(
            "Analyste régionale (ARS, DCC) : indicateurs de toute la région et leurs parcours pseudonymisés, sans "
            "données nominatives."
        ),
    ),
)


def demo_users_create(professionals: dict[str, Professional]) -> dict[str, User]:
    """One user per demo login, linked to the professional of the same key (the admin has none)."""
    users = {}
    password = make_password(DEMO_PASSWORD)  # hashed once: argon2 takes most of a second per hash
    for login in DEMO_LOGINS:
        if login.created_last:
            continue
        professional = professionals.get(login.username)
        user = User(
            username=login.username,
            role=login.role,
            professional=professional,
            first_name=professional.first_name if professional else "",
            last_name=professional.last_name if professional else "",
            email=professional.email if professional else "admin@exemple.fr",
            is_staff=login.role == Role.ADMIN,
            is_superuser=login.role == Role.ADMIN,
        )
        user.password = password
        user.save()
        users[login.username] = user
    return users


def hospital_manager_create(hospital) -> User:
    """The hospital's manager (`responsable.hopital`), who sets up the hospital's tumour boards."""
    from jalon.directory.models import Membership, Profession

    professional = Professional.objects.create(
        first_name="Hélène",
        last_name="KIEFFER",
        profession=Profession.OTHER,
        specialty="Direction des soins",
        email="helene.kieffer@exemple.fr",
        commune_id="67482",
    )
    Membership.objects.create(professional=professional, organization=hospital)
    login = next(login for login in DEMO_LOGINS if login.username == "responsable.hopital")
    user = User(
        username=login.username,
        role=login.role,
        professional=professional,
        first_name=professional.first_name,
        last_name=professional.last_name,
        email=professional.email,
    )
    user.password = make_password(DEMO_PASSWORD)
    user.save()
    return user
