"""The back office for placements. Every save, delete and action goes through a service.

A form here calls its service while the admin validates it (inside the admin's transaction),
so a rule the service refuses shows as an error on the form, on the field it concerns.
"""

import datetime
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from placements.admin_imports import import_urls_install
from placements.bsn import bsn_lookup_hash
from placements.models import Assignment, Candidate, Client, DisplacementCheck, TimeEntry
from placements.services import (
    CANDIDATE_FIELDS,
    CLIENT_FIELDS,
    HOURS_OPEN_STATUSES,
    assignment_activate,
    assignment_end,
    assignment_request,
    assignment_update,
    candidate_create,
    candidate_update,
    client_create,
    client_update,
    time_entries_approve,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
)
from placements.validators import bsn_normalise

# --- Forms that save through a service -----------------------------------------------------


class ServiceForm(forms.ModelForm):
    """A model form whose `save_through_service` does the writing; `actor` is the user."""

    actor = None
    service_field_names: dict[str, str] = {}  # the service's field name -> the form's

    def save_through_service(self):
        raise NotImplementedError

    def _post_clean(self):
        # Instead of copying the data onto the instance and validating the model, hand it
        # to the service, which validates, saves and audits (rolled back with the request).
        if self.errors:
            return
        try:
            with transaction.atomic():
                self.instance = self.save_through_service()
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    field = self.service_field_names.get(field, field)
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, error.messages)
        except PermissionDenied as error:
            self.add_error(None, str(error))

    def changed_values(self, names) -> dict:
        data = {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}
        if self.instance.pk is None:
            return data
        return {name: value for name, value in data.items() if name in self.changed_data}


class ServiceAdminMixin:
    """Gives the form its actor; the form has already saved by the time save_model runs."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        pass  # saved by the service in ServiceForm._post_clean


def _run_each(modeladmin, request, queryset, service, done_message):
    done = 0
    for obj in queryset:
        try:
            service(obj)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            text = "; ".join(getattr(error, "messages", [str(error)]))
            modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)


# --- Candidates ----------------------------------------------------------------------------


class CandidateForm(ServiceForm):
    service_field_names = {"iban": "new_iban"}
    bsn = forms.CharField(
        label=_("BSN"),
        required=False,
        max_length=20,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Write-only: enter a BSN to set or replace it; empty keeps the current one."),
    )
    remove_bsn = forms.BooleanField(label=_("Remove the BSN"), required=False)
    new_iban = forms.CharField(
        label=_("IBAN"),
        required=False,
        max_length=42,
        help_text=_("Enter an IBAN to set or replace it; empty keeps the current one."),
    )

    class Meta:
        model = Candidate
        fields = [
            "municipality",
            "client_number",
            "first_name",
            "last_name",
            "birth_date",
            "status",
            "left_for_work_on",
            "wage_cost_subsidy",
        ]

    def save_through_service(self):
        fields = self.changed_values([n for n in CANDIDATE_FIELDS if n != "iban"])
        if self.cleaned_data.get("new_iban"):
            fields["iban"] = self.cleaned_data["new_iban"]
        bsn = "" if self.cleaned_data.get("remove_bsn") else self.cleaned_data.get("bsn") or None
        if self.instance.pk is None:
            return candidate_create(
                actor=self.actor,
                municipality=self.cleaned_data["municipality"],
                bsn=bsn or "",
                **fields,
            )
        return candidate_update(candidate=self.instance, actor=self.actor, bsn=bsn, **fields)


class AssignmentInline(admin.TabularInline):
    model = Assignment
    fk_name = "candidate"
    extra = 0
    fields = ["client", "start_date", "end_date", "hours_per_week", "status", "is_large_or_long"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Candidate)
class CandidateAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = CandidateForm
    list_display = [
        "last_name",
        "first_name",
        "client_number",
        "municipality",
        "status",
        "bsn_masked",
        "iban_masked",
        "wage_cost_subsidy",
    ]
    list_filter = ["status", "wage_cost_subsidy", "municipality__region", "municipality"]
    search_fields = ["client_number", "last_name", "first_name"]
    search_help_text = _("Client number or name; a full BSN finds its candidate too.")
    list_select_related = ["municipality"]
    autocomplete_fields = ["municipality"]
    readonly_fields = ["bsn_masked", "iban_masked", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["municipality", "client_number", "first_name", "last_name"]}),
        (
            _("Personal details"),
            {
                "fields": [
                    "birth_date",
                    "bsn_masked",
                    "bsn",
                    "remove_bsn",
                    "iban_masked",
                    "new_iban",
                ]
            },
        ),
        (_("Status"), {"fields": ["status", "left_for_work_on", "wage_cost_subsidy"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [AssignmentInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "municipality"] if obj is not None else fields

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            bsn = bsn_normalise(search_term)
        except ValidationError:
            return results, may_have_duplicates
        return results | queryset.filter(bsn_hash=bsn_lookup_hash(bsn)), True

    def has_delete_permission(self, request, obj=None):
        return False  # end a candidate instead: hours, invoices and premiums refer to them

    @admin.display(description=_("BSN"))
    def bsn_masked(self, obj):
        return obj.bsn_masked

    @admin.display(description=_("IBAN"))
    def iban_masked(self, obj):
        return obj.iban_masked


# --- Clients -------------------------------------------------------------------------------


class ClientForm(ServiceForm):
    class Meta:
        model = Client
        fields = CLIENT_FIELDS

    def save_through_service(self):
        fields = self.changed_values(CLIENT_FIELDS)
        if self.instance.pk is None:
            return client_create(actor=self.actor, **fields)
        return client_update(client=self.instance, actor=self.actor, **fields)


@admin.register(Client)
class ClientAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = ClientForm
    list_display = [
        "name",
        "kvk_number",
        "vat_number",
        "billing_email",
        "contact_person",
        "framework_agreement_date",
    ]
    list_filter = ["framework_agreement_date"]
    search_fields = ["name", "kvk_number", "vat_number", "contact_person", "billing_email"]
    date_hierarchy = "framework_agreement_date"

    def has_delete_permission(self, request, obj=None):
        return False  # invoices are addressed to clients


# --- Assignments ---------------------------------------------------------------------------


class AssignmentForm(ServiceForm):
    class Meta:
        model = Assignment
        fields = [
            "candidate",
            "client",
            "start_date",
            "end_date",
            "hours_per_week",
            "hourly_rate",
            "work_description",
        ]
        localized_fields = ["hours_per_week", "hourly_rate"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "hourly_rate" in self.fields:
            self.fields["hourly_rate"].required = False
            self.fields["hourly_rate"].help_text = _(
                "Empty: the minimum client rate of the framework in force on the start date."
            )

    def save_through_service(self):
        names = ["client", "start_date", "end_date", "hours_per_week", "hourly_rate"]
        if self.instance.pk is None:
            return assignment_request(
                actor=self.actor,
                candidate=self.cleaned_data["candidate"],
                work_description=self.cleaned_data["work_description"],
                **{name: self.cleaned_data[name] for name in names},
            )
        fields = self.changed_values([*names, "work_description"])
        return assignment_update(assignment=self.instance, actor=self.actor, **fields)


class DisplacementCheckInline(admin.StackedInline):
    model = DisplacementCheck
    extra = 0
    readonly_fields = [
        "temporary_or_peak_work",
        "no_open_vacancy",
        "no_recent_layoffs",
        "works_council_informed",
        "client_signatory_name",
        "client_signed_on",
        "notes",
        "performed_by",
        "performed_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False  # a coordinator performs the check in the portal

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = AssignmentForm
    list_display = [
        "candidate",
        "client",
        "start_date",
        "end_date",
        "hours_per_week",
        "hourly_rate",
        "status",
        "is_large_or_long",
        "signed_off",
        "hours_link",
    ]
    list_filter = [
        "status",
        "is_large_or_long",
        "is_long",
        "is_large_hours",
        "is_large_concurrent",
        "candidate__municipality",
    ]
    search_fields = [
        "candidate__client_number",
        "candidate__last_name",
        "candidate__first_name",
        "client__name",
        "client__kvk_number",
    ]
    list_select_related = ["candidate__municipality", "client"]
    autocomplete_fields = ["candidate", "client"]
    date_hierarchy = "start_date"
    readonly_fields = [
        "status",
        "rejection_reason",
        "requested_by",
        "decided_by",
        "decided_at",
        "is_long",
        "is_large_hours",
        "is_large_concurrent",
        "is_large_or_long",
        "sign_off_by",
        "sign_off_at",
        "sign_off_reason",
        "created_at",
        "updated_at",
    ]
    inlines = [DisplacementCheckInline]
    actions = ["activate_selected", "end_selected"]

    def get_fieldsets(self, request, obj=None):
        terms = [
            "candidate",
            "client",
            "start_date",
            "end_date",
            "hours_per_week",
            "hourly_rate",
            "work_description",
        ]
        if obj is None:
            return [(None, {"fields": terms})]
        return [
            (None, {"fields": terms}),
            (
                _("Decision"),
                {
                    "fields": [
                        "status",
                        "requested_by",
                        "decided_by",
                        "decided_at",
                        "rejection_reason",
                    ]
                },
            ),
            (
                _("Large or long"),
                {
                    "fields": [
                        "is_large_or_long",
                        "is_long",
                        "is_large_hours",
                        "is_large_concurrent",
                        "sign_off_by",
                        "sign_off_at",
                        "sign_off_reason",
                    ]
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("candidate")
            if obj.status != Assignment.Status.REQUESTED:
                fields += [
                    "client",
                    "start_date",
                    "end_date",
                    "hours_per_week",
                    "hourly_rate",
                    "work_description",
                ]
        return fields

    def has_delete_permission(self, request, obj=None):
        return False  # reject or end an assignment instead

    @admin.display(description=_("signed off"), boolean=True)
    def signed_off(self, obj):
        return obj.sign_off_at is not None if obj.is_large_or_long else None

    @admin.display(description=_("hours"))
    def hours_link(self, obj):
        """A link to the hours grid (the admin wraps the column; the text stays short)."""
        if obj.status not in HOURS_WEEK_STATUSES:
            return ""
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:placements_assignment_hours", args=[obj.pk]),
            _("Hours per week"),
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/hours/",
                self.admin_site.admin_view(self.hours_week_view),
                name="placements_assignment_hours",
            ),
            *super().get_urls(),
        ]

    def hours_week_view(self, request, object_id):
        """The hours of one assignment for one ISO week: seven day fields, saved together."""
        assignment = get_object_or_404(self.get_queryset(request), pk=object_id)
        time_entry_admin = self.admin_site._registry[TimeEntry]
        if not time_entry_admin.has_view_permission(request):
            raise PermissionDenied
        may_edit = (
            time_entry_admin.has_add_permission(request)
            and time_entry_admin.has_change_permission(request)
            and time_entry_admin.has_delete_permission(request)
        )
        monday = hours_week_monday(request.GET.get("week"), assignment=assignment)
        grid = HoursWeekGrid(assignment=assignment, monday=monday, may_edit=may_edit)
        if request.method == "POST":
            if not grid.may_edit:
                raise PermissionDenied
            form = grid.form(request.POST)
            form.is_valid()  # the days that parse are still tried, to show every error at once
            if grid.save(form, actor=request.user, approve="_approve" in request.POST):
                self.message_user(
                    request,
                    _("The hours of week %(week)s are saved.") % {"week": grid.week_label},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(f"{request.path}?week={grid.week_param}")
        else:
            form = grid.form()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Enter hours per week"),
            "subtitle": str(assignment),
            "opts": self.model._meta,
            "original": assignment,
            "assignment": assignment,
            "grid": grid,
            "rows": grid.rows(form),
            "form": form,
            "may_edit": may_edit,
        }
        return TemplateResponse(request, "admin/placements/assignment/hours_week.html", context)

    @admin.action(description=_("Activate the selected approved assignments"))
    def activate_selected(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda obj: assignment_activate(assignment=obj, actor=request.user),
            lambda n: ngettext("%d assignment activated.", "%d assignments activated.", n) % n,
        )

    @admin.action(description=_("End the selected active assignments on their end date"))
    def end_selected(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda obj: assignment_end(assignment=obj, actor=request.user),
            lambda n: ngettext("%d assignment ended.", "%d assignments ended.", n) % n,
        )


@admin.register(DisplacementCheck)
class DisplacementCheckAdmin(admin.ModelAdmin):
    """Read-only: a coordinator of the candidate's municipality performs the check."""

    list_display = [
        "assignment",
        "is_complete",
        "client_signatory_name",
        "client_signed_on",
        "performed_by",
        "performed_at",
    ]
    list_filter = ["client_signed_on", "assignment__candidate__municipality"]
    search_fields = [
        "assignment__candidate__client_number",
        "assignment__candidate__last_name",
        "assignment__client__name",
        "client_signatory_name",
    ]
    list_select_related = ["assignment__candidate", "assignment__client", "performed_by"]
    date_hierarchy = "performed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("complete"), boolean=True)
    def is_complete(self, obj):
        return obj.is_complete


# --- Hours ---------------------------------------------------------------------------------


class TimeEntryForm(ServiceForm):
    class Meta:
        model = TimeEntry
        fields = ["assignment", "work_date", "hours"]
        localized_fields = ["hours"]

    def save_through_service(self):
        if self.instance.pk is None:
            return time_entry_create(
                assignment=self.cleaned_data["assignment"],
                actor=self.actor,
                work_date=self.cleaned_data["work_date"],
                hours=self.cleaned_data["hours"],
            )
        fields = self.changed_values(["work_date", "hours"])
        return time_entry_update(entry=self.instance, actor=self.actor, **fields)


@admin.register(TimeEntry)
class TimeEntryAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = TimeEntryForm
    list_display = ["work_date", "candidate", "client", "hours", "status", "approved_by"]
    list_filter = ["status", "assignment__candidate__municipality"]
    search_fields = [
        "assignment__candidate__client_number",
        "assignment__candidate__last_name",
        "assignment__client__name",
        "assignment__client__kvk_number",
    ]
    list_select_related = ["assignment__candidate", "assignment__client", "approved_by"]
    autocomplete_fields = ["assignment"]
    date_hierarchy = "work_date"
    readonly_fields = ["status", "entered_by", "approved_by", "approved_at"]
    actions = ["approve_hours", "delete_selected_entries"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "assignment"] if obj is not None else fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deleting goes through the service, below
        return actions

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False  # invoiced: corrected by a credit note and a new entry
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        time_entry_delete(entry=obj, actor=request.user)

    @admin.display(description=_("candidate"), ordering="assignment__candidate__last_name")
    def candidate(self, obj):
        return obj.assignment.candidate

    @admin.display(description=_("client"), ordering="assignment__client__name")
    def client(self, obj):
        return obj.assignment.client.name

    @admin.action(description=_("Approve the selected hours"), permissions=["change"])
    def approve_hours(self, request, queryset):
        count = time_entries_approve(entries=queryset, actor=request.user)
        self.message_user(
            request,
            ngettext("%d time entry approved.", "%d time entries approved.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Delete the selected hours (not invoiced)"), permissions=["delete"])
    def delete_selected_entries(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            lambda obj: time_entry_delete(entry=obj, actor=request.user),
            lambda n: ngettext("%d time entry deleted.", "%d time entries deleted.", n) % n,
        )


# --- Hours per week: the back office's grid ------------------------------------------------

# The grid is shown for assignments that can carry hours (an ended one read-only).
HOURS_WEEK_STATUSES = frozenset({*HOURS_OPEN_STATUSES, Assignment.Status.ENDED})


def hours_week_monday(value: str | None, *, assignment: Assignment) -> datetime.date:
    """The Monday of an ISO week given as `2026-W48`; by default this week, within the
    assignment's dates (its first week before it starts, its last week after it ends)."""
    if value:
        try:
            year, week = value.upper().split("-W")
            return datetime.date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            pass
    today = timezone.localdate()
    day = min(max(today, assignment.start_date), assignment.end_date)
    return day - datetime.timedelta(days=day.weekday())


class HoursField(forms.DecimalField):
    """Hours of one day: a decimal comma or point, whatever the language (7,5 and 7.5 are
    both seven and a half: hours never need a thousands separator)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except ArithmeticError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class HoursWeekGrid:
    """One assignment, one ISO week: the entries per day and which days may be changed.

    Saving goes through the time-entry services, day by day, inside one transaction: when
    any day is refused, every day's error is shown and nothing of the week is saved.

    Days after today (in the portal's time zone) have not been worked yet: their fields are
    shown disabled. A value posted for one anyway goes to the service, which refuses it
    (`time_entry_check`), so the week shows that day's error and saves nothing.
    """

    def __init__(self, *, assignment: Assignment, monday: datetime.date, may_edit: bool):
        self.assignment = assignment
        self.monday = monday
        self.today = timezone.localdate()
        self.days = [monday + datetime.timedelta(days=i) for i in range(7)]
        self.is_open = assignment.status in HOURS_OPEN_STATUSES
        self.may_edit = may_edit and self.is_open
        self.entries = self._entries()
        year, week, _weekday = monday.isocalendar()
        self.week_param = f"{year}-W{week:02d}"
        self.week_label = f"{week} ({year})"
        self.previous_week = (monday - datetime.timedelta(days=7)).strftime("%G-W%V")
        self.next_week = (monday + datetime.timedelta(days=7)).strftime("%G-W%V")
        self.other_hours = dict(
            TimeEntry.objects.filter(
                assignment__candidate_id=assignment.candidate_id,
                work_date__range=(self.days[0], self.days[-1]),
            )
            .exclude(assignment=assignment)
            .exclude(status=TimeEntry.Status.CREDITED)
            .values_list("work_date")
            .annotate(total=Sum("hours"))
        )

    def _entries(self) -> dict[datetime.date, TimeEntry]:
        # A credited entry is history: the day shows its correction (or nothing yet).
        qs = self.assignment.time_entries.filter(
            work_date__range=(self.days[0], self.days[-1])
        ).exclude(status=TimeEntry.Status.CREDITED)
        return {entry.work_date: entry for entry in qs}

    def in_assignment(self, day: datetime.date) -> bool:
        return self.assignment.start_date <= day <= self.assignment.end_date

    def is_future(self, day: datetime.date) -> bool:
        return day > self.today

    def _open(self, day: datetime.date, entry: TimeEntry | None) -> bool:
        """Whether the day could take hours, today aside."""
        return (
            self.may_edit
            and self.in_assignment(day)
            and not (entry is not None and entry.is_locked)
        )

    def editable(self, day: datetime.date) -> bool:
        return self._open(day, self.entries.get(day)) and not self.is_future(day)

    @staticmethod
    def field_name(day: datetime.date) -> str:
        return f"day_{day:%Y%m%d}"

    def form(self, data=None) -> forms.Form:
        fields = {}
        for day in self.days:
            entry = self.entries.get(day)
            fields[self.field_name(day)] = HoursField(
                label=formats.date_format(day, "l j F"),
                required=False,
                localize=True,
                disabled=not self.editable(day),
                initial=entry.hours if entry is not None else None,
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "size": 5, "autocomplete": "off"}
                ),
            )
        return type("HoursWeekForm", (forms.Form,), fields)(data)

    def rows(self, form) -> list[dict]:
        return [
            {
                "day": day,
                "field": form[self.field_name(day)],
                "entry": self.entries.get(day),
                "in_assignment": self.in_assignment(day),
                # Would take hours, but not before that day: shown disabled, greyed.
                "not_yet": self.is_future(day) and self._open(day, self.entries.get(day)),
                "editable": self.editable(day),
                "other_hours": self.other_hours.get(day),
            }
            for day in self.days
        ]

    @property
    def total(self) -> Decimal:
        return sum((entry.hours for entry in self.entries.values()), Decimal("0"))

    def save(self, form, *, actor, approve: bool = False) -> bool:
        """Apply the week (after `form.is_valid()`); False, with every day's error on the form
        and nothing saved, when any day does not parse or is refused by the services."""
        with transaction.atomic():
            entries = self._entries()  # afresh; each service locks what it changes
            for day in self.days:
                name = self.field_name(day)
                if name in form.errors:
                    continue
                if self.is_future(day) and self._open(day, entries.get(day)):
                    hours = self._posted_for_future(form, day, entries.get(day))
                    if hours is None:
                        continue
                elif form.fields[name].disabled:
                    continue
                else:
                    hours = form.cleaned_data[name]
                try:
                    with transaction.atomic():
                        self._save_day(day, entries.get(day), hours, actor=actor)
                except ValidationError as error:
                    form.add_error(name, error.messages)
            if form.errors:
                transaction.set_rollback(True)
                return False
            if approve:
                time_entries_approve(
                    entries=self.assignment.time_entries.filter(
                        work_date__range=(self.days[0], self.days[-1])
                    ),
                    actor=actor,
                )
        self.entries = self._entries()
        return True

    def _posted_for_future(
        self, form, day: datetime.date, entry: TimeEntry | None
    ) -> Decimal | None:
        """The hours posted for a day after today (its field is disabled, so the form ignores
        them): None when nothing was posted or they are the stored ones, else the number, for
        the service to refuse. A value that does not parse is an error on the day."""
        name = self.field_name(day)
        raw = form.data.get(form.add_prefix(name))
        if raw is None or not str(raw).strip():
            return None
        try:
            hours = form.fields[name].clean(raw)
        except ValidationError as error:
            form.add_error(name, error.messages)
            return None
        if entry is not None and entry.hours == hours:
            return None
        return hours

    def _save_day(self, day, entry, hours, *, actor) -> None:
        """Empty (or 0) removes the day's hours, a number sets them; the same hours stay as
        they are (approved hours are not sent back for approval for nothing)."""
        if hours is None or hours == 0:
            if entry is not None:
                time_entry_delete(entry=entry, actor=actor)
        elif entry is None:
            time_entry_create(assignment=self.assignment, actor=actor, work_date=day, hours=hours)
        elif entry.hours != hours:
            time_entry_update(entry=entry, actor=actor, hours=hours)


# The import page (upload, preview, confirm) at <admin>/placements/import/.
import_urls_install(admin.site)
