"""Managers' pages on pathway templates: the list, one version, and a new version."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from jalon.accounts.access import Capability, capability_required
from jalon.accounts.reauth import is_post, recent_auth_required
from jalon.core.actor import Actor
from jalon.pathways import template_services
from jalon.pathways.manage_forms import MilestoneFormSet, VersionForm, initial_row
from jalon.pathways.models import PathwayTemplate


@login_required
@capability_required(Capability.MANAGE_PATHWAY_TEMPLATES)
def template_list(request):
    templates = list(template_services.templates_overview())
    rows = []
    for template in templates:
        published = [version for version in template.version_rows if version.published_at is not None]
        rows.append(
            {
                "template": template,
                "current": published[0] if published else None,
                "versions": template.version_rows,
                "running_total": sum(version.running_count for version in template.version_rows),
            }
        )
    return render(request, "pathways/manage/template_list.html", {"rows": rows})


def _version_or_404(kind: str, number: int):
    template = get_object_or_404(PathwayTemplate, kind=kind)
    version = template_services.template_version_detail(template, number)
    if version is None:
        raise Http404
    return version


@login_required
@capability_required(Capability.MANAGE_PATHWAY_TEMPLATES)
def version_detail(request, kind: str, number: int):
    version = _version_or_404(kind, number)
    current = version.template.current_version()
    return render(
        request,
        "pathways/manage/version_detail.html",
        {
            "version": version,
            "template": version.template,
            "is_current": current is not None and current.pk == version.pk,
        },
    )


@login_required
@capability_required(Capability.MANAGE_PATHWAY_TEMPLATES)
@recent_auth_required(when=is_post)
def version_new(request, kind: str):
    """A formset pre-filled with the current version's milestones; saving publishes version N+1."""
    template = get_object_or_404(PathwayTemplate, kind=kind)
    current = template.current_version()
    initial = (
        [initial_row(template_services.milestone_as_dict(m)) for m in current.milestones.order_by("order", "id")]
        if current
        else []
    )
    formset = MilestoneFormSet(request.POST or None, initial=initial, prefix="milestones")
    version_form = VersionForm(request.POST or None)
    if request.method == "POST":
        # Both are validated so that every error shows at once.
        formset_valid, version_valid = formset.is_valid(), version_form.is_valid()
        if formset_valid and version_valid:
            kept = formset.kept_forms()
            try:
                version = template_services.template_version_create(
                    actor=Actor.from_request(request),
                    template=template,
                    milestones=[form.milestone() for form in kept],
                    change_note=version_form.cleaned_data["change_note"],
                )
            except template_services.TemplateVersionInvalid as invalid:
                _attach_errors(invalid, kept, version_form)
            else:
                messages.success(
                    request,
                    _("Version %(number)s publiée : les parcours déjà en cours gardent leur version.")
                    % {"number": version.version},
                )
                return redirect("pathway_templates:version", kind=template.kind, number=version.version)
        messages.error(request, _("La nouvelle version n'est pas enregistrée : corrigez les erreurs signalées."))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "pathways/manage/version_form.html",
        {"template": template, "current": current, "formset": formset, "version_form": version_form},
        status=status,
    )


def _attach_errors(
    invalid: template_services.TemplateVersionInvalid, kept_forms: list, version_form: VersionForm
) -> None:
    """Put each refusal from the service on the row and field it concerns."""
    for field_name, field_messages in invalid.fields.items():
        for message in field_messages:
            version_form.add_error(field_name if field_name in version_form.fields else None, message)
    for index, row in invalid.rows.items():
        form = kept_forms[index]
        for field_name, field_messages in row.items():
            for message in field_messages:
                target = "p1_amount" if field_name == "delay_by_priority" else field_name
                form.add_error(target if target in form.fields else None, message)
