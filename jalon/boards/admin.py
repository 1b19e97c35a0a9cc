"""Admin for tumour boards: the board (site, schedule, quorum, chair) with its members. Meetings, cases, decisions
and PPS are read only here: they go through the services, which keep the events and the audit trail."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jalon.boards.models import Board, BoardMeeting, BoardMember, BoardSpecialty


class BoardMemberInline(admin.TabularInline):
    model = BoardMember
    extra = 0
    raw_id_fields = ["professional"]


class BoardAdminForm(forms.ModelForm):
    class Meta:
        model = Board
        fields = "__all__"
        help_texts = {
            "required_specialties": _("Liste de codes : %(codes)s") % {"codes": ", ".join(BoardSpecialty.values)}
        }

    def clean_required_specialties(self):
        codes = self.cleaned_data["required_specialties"] or []
        if not isinstance(codes, list):
            raise ValidationError(_('Donnez une liste de codes, par exemple ["medical_oncology", "surgery"].'))
        unknown = [code for code in codes if code not in BoardSpecialty.values]
        if unknown:
            raise ValidationError(_("Spécialité inconnue : %(codes)s") % {"codes": ", ".join(map(str, unknown))})
        return codes


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    form = BoardAdminForm
    list_display = ["name", "organization", "weekday", "start_time", "every_weeks", "chair", "is_active"]
    list_filter = ["is_active", "organization"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization", "chair"]
    raw_id_fields = ["chair"]
    inlines = [BoardMemberInline]


@admin.register(BoardMeeting)
class BoardMeetingAdmin(admin.ModelAdmin):
    list_display = ["board", "starts_at", "status"]
    list_filter = ["board", "status"]
    list_select_related = ["board"]
    readonly_fields = ["board", "starts_at"]

    def has_add_permission(self, request):
        return False  # meetings come from the schedule (generate_board_meetings)
