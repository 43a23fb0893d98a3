from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),  # before allauth's: replaces /accounts/email/
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("media/<path:path>", accounts_views.media_for_back_office, name="media"),
    path("", include("members.urls")),
    path("", include("placements.urls")),
    path("", include("placements.urls_overview")),
    path("", include("billing.urls")),
    path("", include("settlements.urls")),
    path("", include("premiums.urls")),
    path("", include("supervision.urls")),
    path("", include("governance.urls")),
    path("", include("notifications.urls")),
    path("", include("todo.urls")),
]
