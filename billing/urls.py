"""Billing pages of the portal, under Dutch paths."""

from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("omzet/", views.revenue, name="revenue"),
]
