"""The coordinator's placement pages, under Dutch paths; objects by primary key only (never a
BSN, IBAN or client number in a URL). Lists export with `?format=csv` or `?format=xlsx`."""

from django.urls import path

from placements import views

app_name = "placements"

urlpatterns = [
    path("kandidaten/", views.candidate_list, name="candidate_list"),
    path("kandidaten/<int:pk>/", views.candidate_detail, name="candidate_detail"),
    path("kandidaten/<int:pk>/bsn/", views.candidate_bsn, name="candidate_bsn"),
    path("opdrachten/", views.assignment_list, name="assignment_list"),
    path("opdrachten/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("opdrachten/<int:pk>/toets/", views.assignment_check, name="assignment_check"),
    path(
        "opdrachten/<int:pk>/goedkeuren/",
        views.assignment_approve_view,
        name="assignment_approve",
    ),
    path("opdrachten/<int:pk>/afwijzen/", views.assignment_reject_view, name="assignment_reject"),
    path("uren/", views.hours_month, name="hours_month"),
]
