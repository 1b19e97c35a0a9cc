from django.contrib import admin

from jalon.referrals.models import CompletenessRequirement, CompletenessRuleSet, EntryPoint, EntryPointClosure


class ClosureInline(admin.TabularInline):
    model = EntryPointClosure
    extra = 0


@admin.register(EntryPoint)
class EntryPointAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "answer_delay_amount", "answer_delay_unit", "is_active"]
    inlines = [ClosureInline]


class RequirementInline(admin.TabularInline):
    model = CompletenessRequirement
    extra = 0


@admin.register(CompletenessRuleSet)
class CompletenessRuleSetAdmin(admin.ModelAdmin):
    list_display = ["version", "published_at"]
    inlines = [RequirementInline]

    def has_change_permission(self, request, obj=None):
        # A published rule set is history: publish a new version instead of editing it.
        return obj is None or obj.published_at is None
