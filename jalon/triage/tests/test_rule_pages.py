"""Triage rule pages: the published set with its counts, a draft edited, tried on past referrals, published."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from conftest import identity
from jalon.accounts.models import AuditRecord
from jalon.core.actor import Actor
from jalon.testing.factories import letters_name, make_ins
from jalon.triage.models import TriageDecision, TriageRule, TriageRuleSet
from jalon.triage.rule_services import (
    RuleSetError,
    RuleSetErrorCode,
    rule_set_create_draft,
    rule_set_publish,
    rule_update,
)
from jalon.triage.services import published_rule_set, triage_propose

FIRST_TASKS = [
    {
        "label": "Programmer un scanner thoraco-abdominal",
        "responsible_role": "coordinator",
        "due_amount": 2,
        "due_unit": "working_days",
    }
]


@pytest.fixture
def published_set(db):
    """A published set of our own, numbered after any shipped one so it is the one in force:
    urgent lung suspicion → lung P2, then the catch-all → generic P3."""
    number = (TriageRuleSet.objects.aggregate(last=Max("version"))["last"] or 0) + 1
    rule_set = TriageRuleSet.objects.create(version=number, published_at=timezone.now(), note="Jeu de test")
    TriageRule.objects.create(
        rule_set=rule_set,
        order=10,
        code="lung-urgent",
        comment="Suspicion de cancer du poumon, urgence déclarée.",
        conditions={"suspected_site_in": ["lung"], "declared_urgency_in": ["urgent", "very_urgent"]},
        pathway_kind="lung",
        priority="P2",
        first_tasks=FIRST_TASKS,
        source="Seed 001, fiche 3",
    )
    TriageRule.objects.create(
        rule_set=rule_set,
        order=1000,
        code="default",
        comment="Toute autre situation : parcours générique.",
        conditions={},
        pathway_kind="generic",
        priority="P3",
    )
    return rule_set


@pytest.fixture
def past_referral(submit):
    """A received urgent lung referral: the published set proposes lung P2 for it."""
    return submit().referral


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def rule_post(rule: TriageRule, **overrides) -> dict:
    import json

    data = {
        "order": rule.order,
        "comment": rule.comment,
        "conditions": json.dumps(rule.conditions),
        "pathway_kind": rule.pathway_kind,
        "priority": rule.priority,
        "first_tasks": json.dumps(rule.first_tasks),
        "source": rule.source,
    }
    data.update(overrides)
    return data


def test_it_shows_the_published_set_with_readable_conditions_and_counts(
    client, manager, published_set, submit, coordinator, django_assert_max_num_queries
):
    """Every rule shows its conditions in French, its first tasks, and how often it fired and was overridden."""
    lung_rule = published_set.rules.get(code="lung-urgent")
    for seed, overridden in ((31, False), (32, True)):
        referral = submit(
            patient=identity(
                birth_name=letters_name("P", seed), ins=make_ins(sex="F", birth_date=date(1956, 3, 12), seed=seed)
            )
        ).referral
        TriageDecision.objects.create(
            referral=referral,
            rule_set=published_set,
            rule=lung_rule,
            proposed_pathway_kind="lung",
            proposed_priority="P2",
            pathway_kind="lung",
            priority="P1" if overridden else "P2",
            overridden=overridden,
            decided_by=coordinator,
        )
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("triage_rules:published"))
    text = page_text(response)
    assert response.status_code == 200
    assert "cancer suspecté parmi : Poumon" in text
    assert "urgence déclarée parmi : Urgente, Très urgente" in text
    assert "toutes les demandes (règle par défaut)" in text
    assert "Programmer un scanner thoraco-abdominal (Coordination, sous 2 jours ouvrés)" in text
    rows = {row["rule"].code: row["rule"] for row in response.context["rows"]}
    assert (rows["lung-urgent"].fired_count, rows["lung-urgent"].overridden_count) == (2, 1)
    assert (rows["default"].fired_count, rows["default"].overridden_count) == (0, 0)
    assert "2 décisions, dont 1 où la coordination s'est écartée" in text
    assert "Créer une version de travail" in text


def test_it_renders_the_pages_for_an_admin(client, admin_user, published_set):
    """Admins reach the rule pages too."""
    client.force_login(admin_user)
    assert client.get(reverse("triage_rules:published")).status_code == 200
    assert client.get(reverse("triage_rules:rule_set", args=[published_set.version])).status_code == 200


@pytest.mark.parametrize("persona", ["coordinator", "gp"])
def test_it_answers_403_to_other_roles(client, request, published_set, persona):
    """A coordinator or a GP cannot see the rules, create a draft or publish one."""
    count = TriageRuleSet.objects.count()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("triage_rules:published")).status_code == 403
    assert client.get(reverse("triage_rules:rule_set", args=[published_set.version])).status_code == 403
    assert client.get(reverse("triage_rules:dry_run", args=[published_set.version])).status_code == 403
    assert client.post(reverse("triage_rules:draft_create")).status_code == 403
    assert client.post(reverse("triage_rules:publish", args=[published_set.version])).status_code == 403
    assert TriageRuleSet.objects.count() == count


def test_it_answers_404_for_an_unknown_version_or_rule(client, manager, published_set):
    """An unknown version, or a rule of another set, is a 404."""
    client.force_login(manager)
    assert client.get(reverse("triage_rules:rule_set", args=[published_set.version + 50])).status_code == 404
    draft = rule_set_create_draft(actor=Actor(user=manager))
    other_rule = published_set.rules.first()
    assert client.get(reverse("triage_rules:rule_edit", args=[draft.version, other_rule.pk])).status_code == 404


def test_it_takes_a_draft_from_edit_to_dry_run_to_publication(client, manager, published_set, past_referral):
    """Draft → invalid JSON refused → valid edit → the dry run lists the changed referral → publish → triage uses it."""
    client.force_login(manager)
    response = client.post(reverse("triage_rules:draft_create"))
    draft = TriageRuleSet.objects.get(published_at__isnull=True)
    assert response.status_code == 302 and response.url == reverse("triage_rules:rule_set", args=[draft.version])
    assert draft.version == published_set.version + 1
    assert list(draft.rules.values_list("code", flat=True)) == ["lung-urgent", "default"]
    rule = draft.rules.get(code="lung-urgent")
    edit_url = reverse("triage_rules:rule_edit", args=[draft.version, rule.pk])
    assert client.get(edit_url).status_code == 200

    response = client.post(edit_url, rule_post(rule, conditions='{"suspected_site_in": ["lung"', priority="P1"))
    assert response.status_code == 400
    assert "JSON invalide (ligne 1, colonne" in page_text(response)
    rule.refresh_from_db()
    assert rule.priority == "P2"

    response = client.post(edit_url, rule_post(rule, conditions='{"suspected_site_in": ["lung"]}', priority="P1"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.priority, rule.conditions) == ("P1", {"suspected_site_in": ["lung"]})
    assert published_set.rules.get(code="lung-urgent").priority == "P2"

    response = client.get(reverse("triage_rules:dry_run", args=[draft.version]))
    text = page_text(response)
    assert response.status_code == 200
    assert past_referral.reference in text
    assert "P2 → P1" in text
    assert (
        reverse("coordination:referral", args=[past_referral.reference]) not in text
    )  # managers have no nominative access
    assert past_referral.patient.birth_name not in text
    assert response.context["report"].changed_count == 1

    response = client.post(reverse("triage_rules:publish", args=[draft.version]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is not None
    proposal = triage_propose(past_referral)
    assert proposal.rule_set.pk == draft.pk
    assert (proposal.rule.code, proposal.priority) == ("lung-urgent", "P1")
    assert AuditRecord.objects.filter(
        object_type="triage_rule_set.published", object_id=str(draft.pk), actor=manager
    ).exists()


def test_it_links_a_changed_referral_only_for_someone_who_may_open_it(
    client, manager, published_set, past_referral, monkeypatch
):
    """The reference is a link only when the access rules let the viewer reach the referral."""
    from jalon.referrals.models import Referral
    from jalon.triage import views

    draft = rule_set_create_draft(actor=Actor(user=manager))
    draft.rules.filter(code="lung-urgent").update(priority="P1")
    client.force_login(manager)
    url = reverse("triage_rules:dry_run", args=[draft.version])
    assert [row["linked"] for row in client.get(url).context["rows"]] == [False]
    monkeypatch.setattr(views, "referrals_visible_to", lambda user: Referral.objects.all())
    response = client.get(url)
    assert [row["linked"] for row in response.context["rows"]] == [True]
    assert reverse("coordination:referral", args=[past_referral.reference]) in page_text(response)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("conditions", '{"weather_in": ["rain"]}', "Condition inconnue : « weather_in »."),
        ("conditions", '{"age_min": "soixante"}', "« age_min » attend un nombre entier positif."),
        ("conditions", '["lung"]', "Les conditions doivent être un objet JSON."),
        (
            "first_tasks",
            '[{"label": "Appeler", "responsible_role": "nobody"}]',
            "Tâche 1 : « responsible_role » doit valoir",
        ),
        (
            "first_tasks",
            '[{"label": "Appeler", "responsible_role": "gp", "due_amount": 2}]',
            "Tâche 1 : indiquez à la fois « due_amount » et « due_unit »",
        ),
        ("first_tasks", '{"label": "Appeler"}', "Les premières tâches doivent être une liste JSON"),
        ("order", "1000", "La règle « default » a déjà l'ordre 1000."),
    ],
)
def test_it_refuses_an_invalid_rule_with_a_french_message(client, manager, published_set, field, value, message):
    """Each invalid input is refused on its field, in French, and the rule is unchanged."""
    draft = rule_set_create_draft(actor=Actor(user=manager))
    rule = draft.rules.get(code="lung-urgent")
    client.force_login(manager)
    response = client.post(
        reverse("triage_rules:rule_edit", args=[draft.version, rule.pk]), rule_post(rule, **{field: value})
    )
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in page_text(response)
    fresh = TriageRule.objects.get(pk=rule.pk)
    assert (fresh.conditions, fresh.first_tasks, fresh.order) == (rule.conditions, rule.first_tasks, rule.order)


def test_it_adds_and_deletes_rules_in_a_draft(client, manager, published_set):
    """A rule can be added to a draft (its code unique) and deleted from it."""
    draft = rule_set_create_draft(actor=Actor(user=manager))
    client.force_login(manager)
    new_url = reverse("triage_rules:rule_new", args=[draft.version])
    assert client.get(new_url).status_code == 200
    data = {
        "code": "breast-mass",
        "order": 20,
        "comment": "Masse du sein palpable.",
        "conditions": '{"suspected_site_in": ["breast"], "alarm_signs_any": ["palpable_mass"]}',
        "pathway_kind": "breast",
        "priority": "P2",
        "first_tasks": "",
        "source": "",
    }
    assert client.post(new_url, {**data, "code": "default", "order": 30}).status_code == 400
    response = client.post(new_url, data)
    assert response.status_code == 302
    added = draft.rules.get(code="breast-mass")
    assert (added.first_tasks, added.priority) == ([], "P2")
    response = client.post(reverse("triage_rules:rule_delete", args=[draft.version, added.pk]))
    assert response.status_code == 302
    assert not draft.rules.filter(code="breast-mass").exists()


def test_it_refuses_to_publish_without_a_final_catch_all(client, manager, published_set):
    """A draft whose last rule has conditions is not published; the manager is told why, in French."""
    draft = rule_set_create_draft(actor=Actor(user=manager))
    client.force_login(manager)
    client.post(reverse("triage_rules:rule_delete", args=[draft.version, draft.rules.get(code="default").pk]))
    response = client.post(reverse("triage_rules:publish", args=[draft.version]), follow=True)
    draft.refresh_from_db()
    assert draft.published_at is None
    assert "Publication refusée : la dernière règle doit s'appliquer à toutes les demandes" in page_text(response)
    assert published_rule_set() == published_set
    with pytest.raises(RuleSetError) as raised:
        rule_set_publish(actor=Actor(user=manager), rule_set=draft)
    assert raised.value.code == RuleSetErrorCode.NO_CATCH_ALL


def test_it_keeps_a_published_set_read_only(client, manager, published_set):
    """Neither the pages nor the services change a published set."""
    rule = published_set.rules.get(code="lung-urgent")
    client.force_login(manager)
    response = client.post(
        reverse("triage_rules:rule_edit", args=[published_set.version, rule.pk]),
        rule_post(rule, priority="P1"),
        follow=True,
    )
    assert "est publiée : elle est en lecture seule" in page_text(response)
    with pytest.raises(RuleSetError) as raised:
        rule_update(
            actor=Actor(user=manager),
            rule=rule,
            comment="x",
            conditions={},
            pathway_kind="lung",
            priority="P1",
            first_tasks=[],
            order=10,
        )
    assert raised.value.code == RuleSetErrorCode.PUBLISHED_READ_ONLY
    rule.refresh_from_db()
    assert rule.priority == "P2"


def test_it_keeps_one_draft_at_a_time(client, manager, published_set):
    """Asking for a second draft leads back to the existing one."""
    first = rule_set_create_draft(actor=Actor(user=manager))
    client.force_login(manager)
    response = client.post(reverse("triage_rules:draft_create"))
    assert response.url == reverse("triage_rules:rule_set", args=[first.version])
    assert TriageRuleSet.objects.filter(published_at__isnull=True).count() == 1
