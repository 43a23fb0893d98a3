"""Billing pages of the portal, under Dutch paths."""

from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("omzet/", views.revenue, name="revenue"),
    path("facturen/", views.invoice_list, name="invoice_list"),
    path("facturen/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("facturen/<int:pk>/factuur.pdf", views.invoice_pdf, name="invoice_pdf"),
]
