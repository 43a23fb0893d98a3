from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.forms import invite_form_class
from accounts.models import User
from accounts.roles import Role, grantable_roles, roles_conflict
from accounts.services import (
    user_invitation_resend,
    user_invite,
    user_may_be_changed_by,
    user_role_grant,
)
from core.admin import AdminViewsMixin, UndeletableAdminMixin, admin_view
from core.services import audit_record


class UserAdminForm(forms.ModelForm):
    """Superusers may still set groups by hand: an incompatible pair is refused here too."""

    class Meta:
        model = User
        fields = "__all__"

    def clean_groups(self):
        groups = self.cleaned_data.get("groups")
        if groups is not None:
            pair = roles_conflict(g.name for g in groups)
            if pair:
                other = Role(next(iter(pair - {Role.BACK_OFFICE.value})))
                raise forms.ValidationError(
                    _("A back-office account cannot also hold the role %(role)s.")
                    % {"role": other.label}
                )
        return groups


def _service_errors_onto(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@admin.register(User)
class UserAdmin(UndeletableAdminMixin, AdminViewsMixin, admin.ModelAdmin):
    """Accounts are invited (see invite_view), never added here; deactivated, never deleted:
    the audit trail refers to users. Roles are granted through the services (invite_view,
    appoint_view), which check who may grant what; the e-mail address changes only when the
    new address confirms it (accounts.views.email_change), so it is read-only here. The back
    office changes no account of a coordinator, representative, treasurer, board member or
    superuser (accounts.services.user_may_be_changed_by)."""

    form = UserAdminForm

    list_display = [
        "email",
        "first_name",
        "last_name",
        "roles",
        "is_staff",
        "is_active",
        "last_login",
    ]
    list_filter = ["groups", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    readonly_fields = ["email", "last_login", "date_joined", "invited_by", "password_state"]
    fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name", "password_state"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("History"), {"fields": ["date_joined", "invited_by", "last_login"]}),
    ]
    filter_horizontal = ["groups"]
    actions = ["resend_invitation"]
    change_list_template = "admin/accounts/user/change_list.html"
    change_form_template = "admin/accounts/user/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, obj):
        # The labels are lazy translations: str() them, join() takes only str. In Role order.
        names = {g.name for g in obj.groups.all()}
        return ", ".join(str(role.label) for role in Role if role.value in names)

    @admin.display(description=_("password"))
    def password_state(self, obj):
        return _("set") if obj.has_usable_password() else _("invited, not yet set")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "is_staff", "groups"]
        return fields

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or user_may_be_changed_by(user=obj, actor=request.user)

    def has_add_permission(self, request):
        return False  # accounts are invited, see invite_view

    def save_related(self, request, form, formsets, change):
        """Group changes by hand (superusers only) are audited as role changes."""
        user = form.instance
        before = sorted(user.groups.values_list("name", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        after = sorted(user.groups.values_list("name", flat=True))
        if before != after:
            audit_record(
                actor=request.user,
                action="user.roles_change",
                obj=user,
                before={"roles": ", ".join(before)},
                after={"roles": ", ".join(after)},
            )

    @admin_view("invite/", name="invite")
    def invite_view(self, request):
        if not self.has_view_or_change_permission(request) or not request.user.has_perm(
            "accounts.add_user"
        ):
            raise PermissionDenied
        if not grantable_roles(request.user):
            raise PermissionDenied
        form = invite_form_class()(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                user = user_invite(
                    email=form.cleaned_data["email"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    role=Role(form.cleaned_data["role"]),
                    municipalities=form.cleaned_data.get("municipalities", ()),
                    actor=request.user,
                )
            except ValidationError as error:
                _service_errors_onto(form, error)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": user.email}
                )
                return redirect(reverse("admin:accounts_user_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invite a user"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/user/invite.html", context)

    @admin_view("<int:pk>/appoint/", name="appoint")
    def appoint_view(self, request, pk):
        """Give an existing account another role, e.g. flag a coordinator as representative
        of its municipality (accounts.services.user_role_grant checks who may grant what)."""
        user = get_object_or_404(User, pk=pk)
        if not request.user.has_perm("accounts.change_user") or not grantable_roles(request.user):
            raise PermissionDenied
        form = invite_form_class()(request.POST or None, user=request.user)
        for field in ("email", "first_name", "last_name"):
            del form.fields[field]
        if request.method == "POST" and form.is_valid():
            try:
                user_role_grant(
                    user=user,
                    role=Role(form.cleaned_data["role"]),
                    municipalities=form.cleaned_data.get("municipalities", ()),
                    actor=request.user,
                )
            except ValidationError as error:
                _service_errors_onto(form, error)
            else:
                messages.success(request, _("%(user)s appointed.") % {"user": user})
                return redirect(reverse("admin:accounts_user_change", args=[user.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Appoint %(user)s") % {"user": user},
            "form": form,
            "opts": self.model._meta,
            "submit_label": _("Appoint"),
        }
        return TemplateResponse(request, "admin/accounts/user/invite.html", context)

    @admin.action(description=_("Resend invitation"), permissions=["change"])
    def resend_invitation(self, request, queryset):
        for user in queryset:
            if not user_may_be_changed_by(user=user, actor=request.user):
                self.message_user(
                    request,
                    _("You may not change %(email)s.") % {"email": user.email},
                    messages.WARNING,
                )
                continue
            try:
                user_invitation_resend(user=user, actor=request.user)
            except ValidationError as error:
                self.message_user(request, error.messages[0], messages.WARNING)
            else:
                self.message_user(
                    request, _("Invitation sent to %(email)s.") % {"email": user.email}
                )


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """Role groups are shipped as data (accounts.roles); the admin shows them."""

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser
