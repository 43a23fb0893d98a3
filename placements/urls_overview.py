"""NVSI-wide placement pages for the treasurer and the back office."""

from django.urls import path

from placements import views_overview

app_name = "placements_overview"

urlpatterns = [
    path("signalering/", views_overview.flagged_overview, name="flagged"),
]
