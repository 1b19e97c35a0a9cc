"""The message texts shipped with Jalon (data/notification_templates_v1.json, migration 0004; the alert
texts in data/notification_templates_alerts_v1.json, migration 0007)."""

import json
from pathlib import Path

from jalon.messaging.kinds import KINDS
from jalon.messaging.models import NotificationTemplate
from jalon.messaging.notify import current_template
from jalon.messaging.templating import check_template

DATA = Path(__file__).resolve().parent.parent / "data"
FILES = ("notification_templates_v1.json", "notification_templates_alerts_v1.json")


def test_it_ships_a_text_for_every_kind_that_passes_the_editing_checks():
    """Every kind has a shipped text, in exactly one file, and each one would be accepted by the editing page."""
    shipped = {}
    for name in FILES:
        texts = json.loads((DATA / name).read_text(encoding="utf-8"))["templates"]
        assert not set(texts) & set(shipped)
        shipped.update(texts)
    assert set(shipped) == set(KINDS)
    for code, texts in shipped.items():
        check_template(kind=KINDS[code], subject=texts["subject"], body=texts["body"], notice=texts["notice"])


def test_it_loads_them_as_published_version_1(db):
    """The migration publishes version 1 of each kind, with its source."""
    assert NotificationTemplate.objects.filter(version=1, published_at__isnull=False).count() == len(KINDS)
    template = current_template("pathway.first_diagnostic_day")
    assert template.version == 1 and "fiche 7" in template.source


def test_it_falls_back_to_the_shipped_text_when_no_version_is_published(db):
    """Without a published row (a table emptied by hand), messages still go with the shipped text."""
    NotificationTemplate.objects.filter(kind="referral.accepted").delete()
    template = current_template("referral.accepted")
    assert template.version == 0 and template.pk is None and "{reference}" in template.subject
