"""The premium pages, under Dutch paths; objects by primary key only."""

from django.urls import path

from premiums import views

app_name = "premiums"

urlpatterns = [
    path("premies/", views.premium_overview, name="overview"),
    path("premies/export/", views.premium_export, name="export"),
    path("premies/betaalmomenten/", views.payout_run_list, name="run_list"),
    path("premies/betaalmomenten/<int:pk>/", views.payout_run_detail, name="run_detail"),
    path(
        "premies/betaalmomenten/<int:pk>/goedkeuren/",
        views.payout_run_approve_view,
        name="run_approve",
    ),
    path("premies/brieven/<int:pk>/", views.payout_letter, name="letter"),
    path(
        "premies/betaalmomenten/<int:pk>/brieven/",
        views.payout_run_letters,
        name="run_letters",
    ),
]
