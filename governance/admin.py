"""Read-only admin for governance: every step happens in the portal (/besluiten/) through
governance.services, so the admin only shows the record (proposals with their advice,
electors and votes; decisions; member requests; notifications)."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin, ReadOnlyInlineMixin
from governance.models import (
    Advice,
    Ballot,
    Decision,
    Elector,
    MemberRequest,
    Notification,
    Proposal,
)


class AdviceInline(ReadOnlyInlineMixin, admin.StackedInline):
    model = Advice


class ElectorInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Elector


class BallotInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Ballot
    fields = ["municipality", "choice", "cast_by", "cast_at"]
    readonly_fields = ["cast_at"]


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "effective_date", "status", "proposer", "vote_ends_on"]
    list_filter = ["status"]
    search_fields = ["title"]
    list_select_related = ["proposer"]
    inlines = [AdviceInline, ElectorInline, BallotInline]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "proposal",
        "outcome",
        "decided_on",
        "votes_for",
        "votes_against",
        "votes_abstain",
        "not_voted",
        "framework",
    ]
    list_filter = ["outcome"]
    search_fields = ["reference", "proposal__title"]
    list_select_related = ["proposal", "framework"]


@admin.register(MemberRequest)
class MemberRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["subject", "municipality", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["municipality"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["proposal", "kind", "recipients", "created_at", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["proposal"]
