"""Runs after the browser tests (file order): the data shipped by migrations is still there.

Transactional tests empty the database after themselves; the browser tests restore it
(serialized_rollback), so tests that rely on shipped rules and templates keep working whatever
the order.
"""

from jalon.messaging.models import NotificationTemplate
from jalon.pathways.models import PathwayTemplateVersion
from jalon.referrals.models import CompletenessRuleSet
from jalon.triage.models import TriageRuleSet


def test_it_keeps_the_shipped_rules_and_templates(db):
    """Completeness rules, triage rules, pathway templates and message texts shipped by migrations are present."""
    assert CompletenessRuleSet.objects.filter(published_at__isnull=False).exists()
    assert TriageRuleSet.objects.filter(published_at__isnull=False).exists()
    assert PathwayTemplateVersion.objects.filter(published_at__isnull=False).count() >= 9
    assert NotificationTemplate.objects.filter(published_at__isnull=False).exists()
