from django.contrib import admin

from jalon.teleexpertise.models import TeleExpertiseOffer


@admin.register(TeleExpertiseOffer)
class TeleExpertiseOfferAdmin(admin.ModelAdmin):
    """Which services answer tele-expertise, within which delay, and where their answers refer patients."""

    list_display = ["service", "answer_delay_amount", "answer_delay_unit", "entry_point", "is_active"]
    list_filter = ["is_active", "service__organization"]
    list_select_related = ["service__organization", "entry_point"]
    fields = ["service", "answer_delay_amount", "answer_delay_unit", "source", "entry_point", "is_active"]
