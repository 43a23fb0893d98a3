from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.forms import invite_form_class
from accounts.models import User
from accounts.roles import Role
from accounts.services import user_invitation_resend, user_invite
from core.admin import AdminViewsMixin, UndeletableAdminMixin, admin_view


@admin.register(User)
class UserAdmin(UndeletableAdminMixin, AdminViewsMixin, admin.ModelAdmin):
    """Accounts are invited (see invite_view), never added here; deactivated, never deleted:
    the audit trail refers to users."""

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
    readonly_fields = ["last_login", "date_joined", "invited_by", "password_state"]
    fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name", "password_state"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("History"), {"fields": ["date_joined", "invited_by", "last_login"]}),
    ]
    filter_horizontal = ["groups"]
    actions = ["resend_invitation"]
    change_list_template = "admin/accounts/user/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(Role(g.name).label for g in obj.groups.all() if g.name in Role.values)

    @admin.display(description=_("password"))
    def password_state(self, obj):
        return _("set") if obj.has_usable_password() else _("invited, not yet set")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "is_staff", "groups"]
        return fields

    def has_add_permission(self, request):
        return False  # accounts are invited, see invite_view

    @admin_view("invite/", name="invite")
    def invite_view(self, request):
        if not self.has_view_or_change_permission(request) or not request.user.has_perm(
            "accounts.add_user"
        ):
            raise PermissionDenied
        form = invite_form_class()(request.POST or None)
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
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
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

    @admin.action(description=_("Resend invitation"), permissions=["change"])
    def resend_invitation(self, request, queryset):
        for user in queryset:
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
