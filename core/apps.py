from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default = True
    name = "core"
    verbose_name = _("Audit trail and system")

    def ready(self):
        from core.personal_data import install_log_masking

        install_log_masking()

        from django.db.models.signals import post_migrate

        from nvsi_portal.db_roles import application_role_grant

        # After every migrate, as the owner: the application role's privileges, exactly.
        post_migrate.connect(application_role_grant, sender=self)


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "core.admin_site.PortalAdminSite"
