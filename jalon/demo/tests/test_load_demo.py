"""The demo data of `make run`: `load_demo` and `print_demo_logins`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jalon.accounts.models import Role, User
from jalon.core.identifiers import validate_ins, validate_rpps
from jalon.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from jalon.directory.models import Commune, Professional
from jalon.patients.models import Patient
from jalon.referrals.models import Referral, ReferralDocument, Status

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def load_demo() -> str:
    """The demo with only the communes it uses (the full import of 35,000 would slow the suite)."""
    return run("load_demo", "--if-empty", "--only-territory-communes")


def test_it_creates_one_login_per_role():
    """Each role has its demo login (two coordinators and two managers: CPTS and hospital, the hospital's manager
    sets up its tumour boards), opening with the demo password."""
    load_demo()
    assert sorted(User.objects.values_list("role", flat=True)) == sorted([*Role.values, Role.COORDINATOR, Role.MANAGER])
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        assert user.role == login.role
        assert user.check_password(DEMO_PASSWORD)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.professional is None
    assert User.objects.get(username="specialiste").professional.specialty == "Pneumologie"
    assert Commune.objects.count() == 17


def test_it_creates_referrals_in_every_status_with_valid_identifiers():
    """Fifty referrals over three weeks in every status; every INS and RPPS is valid."""
    load_demo()
    referrals = Referral.objects.all()
    assert referrals.count() == 50
    assert set(referrals.values_list("status", flat=True)) == set(Status.values)
    assert not referrals.filter(status=Status.ACCEPTED, pathway_kind="").exists()
    assert not referrals.filter(status=Status.ACCEPTED, priority="").exists()
    assert referrals.filter(is_complete=False).exists()
    assert referrals.filter(outside_territory=True).count() == 3
    assert referrals.filter(related_referrals__isnull=False).distinct().count() == 4
    assert referrals.filter(status=Status.RECEIVED, answer_deadline__lt=timezone.now()).exists()
    received = sorted(referrals.values_list("received_at", flat=True))
    assert (received[-1] - received[0]).days >= 19
    assert ReferralDocument.objects.filter(content_type="application/pdf").exists()
    for ins in Patient.objects.values_list("ins", flat=True):
        validate_ins(ins)
    for rpps in Professional.objects.exclude(rpps=None).values_list("rpps", flat=True):
        validate_rpps(rpps)


def test_it_does_nothing_the_second_time():
    load_demo()
    counts = (User.objects.count(), Referral.objects.count(), Patient.objects.count(), Professional.objects.count())
    assert "déjà" in load_demo()
    assert (
        User.objects.count(),
        Referral.objects.count(),
        Patient.objects.count(),
        Professional.objects.count(),
    ) == counts


def test_print_demo_logins_prints_the_usernames_and_password():
    load_demo()
    output = run("print_demo_logins")
    assert DEMO_PASSWORD in output
    for login in DEMO_LOGINS:
        assert login.username in output


def test_print_demo_logins_prints_nothing_without_demo_users():
    assert run("print_demo_logins") == ""


def test_it_creates_a_tumour_board_with_a_case_in_every_state():
    """The oncology board has cases in preparation, complete, listed, decided (PPS handed, sent) and postponed."""
    from jalon.boards.models import BoardCase, CarePlan, CaseStatus

    load_demo()

    board_name = "RCP d'oncologie – Hôpital de Hautepierre"
    states = set(BoardCase.objects.filter(meeting__board__name=board_name).values_list("status", flat=True))
    assert states == set(CaseStatus.values)
    plan = CarePlan.objects.get(handed_on__isnull=False)
    assert plan.sent_at is not None and plan.versions.count() == 2
    assert CarePlan.objects.filter(handed_on__isnull=True).count() == 1  # decided, PPS not handed yet


def test_the_worklist_shows_an_incomplete_record_under_its_filter(client):
    """`make run` shows the worklist's « dossier incomplet » filter with a row: the pathway decided last week whose
    PPS is not handed, with what its record misses; the pathway whose PPS was handed is not there."""
    from django.urls import reverse

    from jalon.boards.models import CarePlan

    load_demo()

    not_handed = CarePlan.objects.select_related("pathway__referral__entry_point").get(handed_on__isnull=True)
    handed = CarePlan.objects.select_related("pathway__referral").get(handed_on__isnull=False)
    organization_id = not_handed.pathway.referral.entry_point.organization_id
    coordinator = User.objects.filter(
        role=Role.COORDINATOR, professional__memberships__organization_id=organization_id
    ).first()
    client.force_login(coordinator)

    response = client.get(reverse("coordination:worklist"), {"status": "open", "record": "incomplete"})

    page = response.content.decode()
    assert response.status_code == 200
    # The list's rows (the alerts panel above them may name either pathway, depending on the hour the demo
    # is loaded at: its steps are placed relative to now).
    rows = page.split('id="worklist-caption"', 1)[1]
    assert not_handed.pathway.referral.reference in rows
    assert "Dossier incomplet : PPS remis" in rows
    assert handed.pathway.referral.reference not in rows


def test_the_hospitals_manager_sets_up_its_tumour_boards(client):
    """`make run`: the `responsable.hopital` login finds the hospital's boards under « Gestion des RCP »; the
    CPTS's manager, whose organisation holds none, does not."""
    from django.urls import reverse
    from django.utils.html import escape

    from jalon.boards.models import Board

    load_demo()
    boards = [escape(name) for name in Board.objects.values_list("name", flat=True)]
    assert boards

    client.force_login(User.objects.get(username="responsable.hopital"))
    page = client.get(reverse("boards:manage")).content.decode()
    assert all(name in page for name in boards)

    client.force_login(User.objects.get(username="responsable"))
    page = client.get(reverse("boards:manage")).content.decode()
    assert not any(name in page for name in boards)
