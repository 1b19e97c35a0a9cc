"""Indicator rows (issue 12, item 11): whose pathways' rows behind a figure a user may list or export.

Aggregates stay region-wide for every indicator role; the rows behind a figure (page and exports) are
scoped: coordinators and managers see only pathways of their organisations' entry points, the regional
analyst sees every pathway of the region, pseudonymised (they reach no nominative data anywhere). Which
rows are named rather than pseudonymised: `referrals.access.identified_pathways`.
"""

from __future__ import annotations

from django.db.models import QuerySet

from jalon.accounts.access import C, has_capability


def may_read_regional_indicator_rows(user) -> bool:
    """Region-wide rows (pseudonymised) are for the role made for it, nobody else."""
    return has_capability(user, C.READ_INDICATOR_ROWS_REGION)


def indicator_row_organization_ids(user) -> list[int] | None:
    """The organisations whose entry points' pathways the user may list or export as rows:
    None for every organisation (regional analyst), else the user's own ([] for other roles)."""
    if may_read_regional_indicator_rows(user):
        return None
    if not has_capability(user, C.READ_INDICATORS):
        return []
    return user.organization_ids()


def indicator_rows_for_user(user, facts: QuerySet) -> QuerySet:
    """`facts` (indicators.PathwayFacts) narrowed to the pathways whose rows the user may list or export."""
    organization_ids = indicator_row_organization_ids(user)
    return facts if organization_ids is None else facts.filter(site_id__in=organization_ids)
