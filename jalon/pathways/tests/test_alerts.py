"""The alert scan: due soon, overdue, escalation, lost to follow-up; idempotent; acknowledged by a person."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from jalon.core.actor import Actor
from jalon.messaging.models import OutboxMessage
from jalon.pathways.alerts import alert_acknowledge, alerts_for_coordinator, alerts_scan, open_alerts
from jalon.pathways.errors import PathwayError
from jalon.pathways.models import Alert, AlertKind, MilestoneTemplate, PathwayTemplate, PathwayTemplateVersion
from jalon.pathways.services import milestone_record, pathway_start

PARIS = ZoneInfo("Europe/Paris")
MONDAY_9H = datetime(2026, 11, 16, 9, 0, tzinfo=PARIS)


@pytest.fixture
def alert_template(db):
    """A small published template: first contact in 24 h, reception 2 working days after it."""
    template, _ = PathwayTemplate.objects.get_or_create(kind="lung", defaults={"name": "Poumon"})
    version = PathwayTemplateVersion.objects.create(template=template, version=99, published_at=timezone.now())
    MilestoneTemplate.objects.create(
        template_version=version,
        code="first_contact",
        label="Premier contact",
        order=1,
        responsible_role="coordinator",
        target_amount=24,
        target_unit="hours",
    )
    MilestoneTemplate.objects.create(
        template_version=version,
        code="reception",
        label="Accueil",
        order=2,
        responsible_role="specialist",
        reference_code="first_contact",
        target_amount=2,
        target_unit="working_days",
    )
    return version


@pytest.fixture
def pathway(alert_template, submit, coordinator):
    with time_machine.travel(MONDAY_9H, tick=False):
        referral = submit().referral
        referral.pathway_kind = "lung"
        referral.save(update_fields=["pathway_kind"])
        return pathway_start(actor=Actor(user=coordinator), referral=referral, priority="P2")


def test_it_raises_a_due_soon_alert_inside_the_warning_window(pathway):
    """Five hours before the 24-hour first contact is due, nothing yet (20 % of the step is 4.8 h); four hours
    before, one due-soon alert is raised."""
    assert alerts_scan(now=MONDAY_9H + timedelta(hours=19)).raised == 0
    report = alerts_scan(now=MONDAY_9H + timedelta(hours=20))
    alert = Alert.objects.get()
    assert (report.raised, alert.kind, alert.milestone.code) == (1, AlertKind.DUE_SOON, "first_contact")


def test_it_raises_an_overdue_alert_and_messages_the_coordinators(pathway, coordinator):
    """Past the due date the milestone is overdue and the entry point's coordinators get a message."""
    alerts_scan(now=MONDAY_9H + timedelta(hours=25))
    alert = Alert.objects.get(kind=AlertKind.OVERDUE)
    assert (
        OutboxMessage.objects.filter(
            idempotency_key__startswith=f"alert-{alert.key}-raised", recipient_user=coordinator
        ).count()
        == 1
    )
    assert list(alerts_for_coordinator(coordinator, MONDAY_9H + timedelta(hours=25))) == [alert]


def test_it_is_idempotent(pathway):
    """Scanning twice (or on two workers) neither duplicates alerts nor their messages."""
    now = MONDAY_9H + timedelta(hours=25)
    first = alerts_scan(now=now)
    messages = OutboxMessage.objects.count()
    second = alerts_scan(now=now)
    assert (first.raised, second.raised) == (1, 0)
    assert Alert.objects.count() == 1 and OutboxMessage.objects.count() == messages


def test_it_replaces_due_soon_by_overdue(pathway):
    """The due-soon alert stops being open once the milestone is overdue; the overdue one is."""
    alerts_scan(now=MONDAY_9H + timedelta(hours=20))
    now = MONDAY_9H + timedelta(hours=26)
    alerts_scan(now=now)
    assert [alert.kind for alert in open_alerts(now)] == [AlertKind.OVERDUE]


def test_it_closes_the_situation_when_the_milestone_is_recorded(pathway, coordinator):
    """Recording the milestone makes its alert no longer open and raises nothing new for it."""
    now = MONDAY_9H + timedelta(hours=26)
    alerts_scan(now=now)
    with time_machine.travel(now, tick=False):
        milestone_record(
            actor=Actor(user=coordinator), milestone=pathway.milestones.get(code="first_contact"), done_at=now
        )
    assert not open_alerts(now).filter(milestone__code="first_contact").exists()


def test_it_escalates_to_the_manager_once(pathway, manager):
    """An overdue alert not acknowledged after the escalation delay is escalated to managers, once."""
    alerts_scan(now=MONDAY_9H + timedelta(hours=25))
    later = MONDAY_9H + timedelta(hours=24 + 49)
    first, second = alerts_scan(now=later), alerts_scan(now=later)
    alert = Alert.objects.get(kind=AlertKind.OVERDUE, milestone__code="first_contact")
    assert alert.escalated_at == later
    assert (first.escalated, second.escalated) == (1, 0)
    assert OutboxMessage.objects.filter(recipient_user=manager, idempotency_key__contains="escalated").count() == 1


def test_it_flags_a_pathway_without_activity_as_lost_to_follow_up(pathway):
    """No event for the configured number of days flags the pathway and raises one alert."""
    now = MONDAY_9H + timedelta(days=15)
    alerts_scan(now=now)
    alerts_scan(now=now)
    pathway.refresh_from_db()
    assert pathway.lost_to_follow_up
    assert Alert.objects.filter(kind=AlertKind.LOST_TO_FOLLOW_UP).count() == 1


def test_it_needs_a_note_to_acknowledge(pathway, coordinator):
    """An acknowledgment without a note is refused; with one, the alert leaves the open list."""
    now = MONDAY_9H + timedelta(hours=25)
    alerts_scan(now=now)
    alert = Alert.objects.get()
    with pytest.raises(PathwayError):
        alert_acknowledge(actor=Actor(user=coordinator), alert=alert, note="  ")
    alert_acknowledge(actor=Actor(user=coordinator), alert=alert, note="Patient rappelé, RDV pris")
    alert.refresh_from_db()
    assert alert.acknowledged_by == coordinator and alert.note == "Patient rappelé, RDV pris"
    assert not open_alerts(now).exists()


def test_it_shows_alerts_only_to_the_entry_points_coordinators(pathway, coordinator_elsewhere):
    """A coordinator of another organisation does not see the alert."""
    alerts_scan(now=MONDAY_9H + timedelta(hours=25))
    assert not alerts_for_coordinator(coordinator_elsewhere, MONDAY_9H + timedelta(hours=25)).exists()


def test_it_lists_and_acknowledges_alerts_in_pages(client, pathway, coordinator):
    """The worklist shows the alert badge; acknowledging from the page works and refuses an empty note."""
    alerts_scan(now=timezone.now())
    alert = Alert.objects.filter(kind=AlertKind.OVERDUE).first()
    client.force_login(coordinator)
    page = client.get("/demandes/file/").content.decode()
    assert "Alertes" in page and alert.milestone.label in page
    client.post(f"/alertes/{alert.pk}/prise-en-compte/", {"note": ""})
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    client.post(f"/alertes/{alert.pk}/prise-en-compte/", {"note": "Fait"})
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/demandes/file/", "/demandes/file/"),
        ("x", "/alertes/"),
        ("2026-02-30", "/alertes/"),
        ("https://exemple.com/piege", "/alertes/"),
        ("//exemple.com/piege", "/alertes/"),
    ],
)
def test_it_goes_back_only_to_a_page_of_ours_after_acknowledging(client, pathway, coordinator, next_url, expected):
    """After acknowledging: the page it came from when that is a path of this site, else the alert list."""
    alerts_scan(now=timezone.now())
    alert = Alert.objects.filter(kind=AlertKind.OVERDUE).first()
    client.force_login(coordinator)
    response = client.post(f"/alertes/{alert.pk}/prise-en-compte/", {"note": "Fait", "next": next_url})
    assert response.status_code == 302 and response.url == expected


# --- Texts: the managed templates, nothing clinical in clear (issue 12, item 6) -----------------------


def _alert_messages(alert, suffix: str = "raised"):
    return {
        m.channel: m for m in OutboxMessage.objects.filter(idempotency_key__startswith=f"alert-{alert.key}-{suffix}")
    }


def test_an_overdue_alert_sends_no_step_name_by_plain_email(pathway, coordinator):
    """The coordinator without a secure address gets a plain e-mail that does not name the step; the
    message in Jalon does (until now the e-mail carried it)."""
    alerts_scan(now=MONDAY_9H + timedelta(hours=25))
    messages = _alert_messages(Alert.objects.get(kind=AlertKind.OVERDUE))
    assert set(messages) == {"email", "in_app"}
    assert messages["email"].kind == "alert.overdue"
    assert "Premier contact" not in messages["email"].subject + messages["email"].body
    assert "une étape est en retard" in messages["email"].subject
    assert "Premier contact" in messages["in_app"].body


def test_the_alert_texts_come_from_the_organisations_managed_template(pathway, coordinator, manager, cpts):
    """A text the CPTS's manager published for overdue alerts is the one its coordinators receive."""
    from jalon.messaging.services import notification_template_publish

    notification_template_publish(
        actor=Actor(user=manager),
        kind="alert.overdue",
        organization_id=cpts.pk,
        subject="CPTS : retard sur {reference}",
        body="Étape {etape} attendue le {attendue_le}. {lien}",
        notice="CPTS : retard sur {reference}. {lien}",
    )
    alerts_scan(now=MONDAY_9H + timedelta(hours=25))
    messages = _alert_messages(Alert.objects.get(kind=AlertKind.OVERDUE))
    reference = pathway.referral.reference
    assert messages["email"].subject == f"CPTS : retard sur {reference}"
    assert messages["in_app"].body.startswith("Étape Premier contact attendue le 17 novembre 2026 à 9 h 00.")


def test_the_lost_to_follow_up_alert_uses_its_template(pathway, coordinator):
    """The lost-to-follow-up message is the shipped template's, with the date of the last activity."""
    alerts_scan(now=MONDAY_9H + timedelta(days=15))
    messages = _alert_messages(Alert.objects.get(kind=AlertKind.LOST_TO_FOLLOW_UP))
    assert messages["email"].kind == "alert.lost_to_follow_up"
    assert "aucun événement depuis le 16 novembre 2026" in messages["email"].body


def test_the_escalation_uses_its_template_and_names_no_step_in_clear(pathway, manager):
    """The manager's escalation comes from « alert.escalated »: no step name by e-mail, a link to Jalon's home."""
    alerts_scan(now=MONDAY_9H + timedelta(hours=25))
    alerts_scan(now=MONDAY_9H + timedelta(hours=24 + 49))
    messages = _alert_messages(Alert.objects.get(kind=AlertKind.OVERDUE, milestone__code="first_contact"), "escalated")
    assert messages["email"].kind == "alert.escalated" and messages["email"].subject.startswith("Escalade")
    assert "Premier contact" not in messages["email"].subject + messages["email"].body
    assert "Premier contact" in messages["in_app"].body
    assert "/parcours/" not in messages["in_app"].body


def test_the_worklist_panel_counts_what_it_lists_and_when_it_changes_by_itself(pathway, coordinator):
    """The panel lists the open alerts it has room for, with the count and next change of the aggregate (the
    one place that says when an alert stops being open), also when they overflow the panel."""
    from jalon.pathways.alerts import alerts_panel_for_coordinator, alerts_summary_for_coordinator

    now = MONDAY_9H + timedelta(hours=20)
    alerts_scan(now=now)
    alert = Alert.objects.get(kind=AlertKind.DUE_SOON)
    assert alerts_summary_for_coordinator(coordinator, now) == (1, alert.due_at)
    shown, count, next_change = alerts_panel_for_coordinator(coordinator, now)
    assert ([a.pk for a in shown], count, next_change) == ([alert.pk], 1, alert.due_at)
    assert shown[0].pathway.referral.reference == pathway.referral.reference
    assert alerts_panel_for_coordinator(coordinator, now, shown=0) == ([], 1, alert.due_at)
    # Past its due time a due-soon alert is no longer open: nothing listed, nothing to wait for.
    assert alerts_panel_for_coordinator(coordinator, alert.due_at + timedelta(seconds=1)) == ([], 0, None)
