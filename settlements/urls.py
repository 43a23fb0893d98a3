"""The settlement pages of the portal, under Dutch paths; settlements by primary key. Lists
export with `?format=csv` or `?format=xlsx`."""

from django.urls import path

from settlements import views

app_name = "settlements"

urlpatterns = [
    path("afrekeningen/", views.settlement_list, name="list"),
    path("afrekeningen/<int:pk>/", views.settlement_detail, name="detail"),
    path("afrekeningen/<int:pk>/goedkeuren/", views.settlement_approve_view, name="approve"),
    path("afrekeningen/<int:pk>/afwijzen/", views.settlement_reject_view, name="reject"),
    path(
        "afrekeningen/<int:pk>/factuurregels/",
        views.settlement_invoice_lines_view,
        name="invoice_lines",
    ),
    path(
        "afrekeningen/<int:pk>/creditnotaregels/",
        views.settlement_credit_lines_view,
        name="credit_lines",
    ),
    path("afrekeningen/<int:pk>/afrekening.pdf", views.settlement_statement, name="statement"),
    path("afrekeningen/<int:pk>/concept.pdf", views.settlement_preview, name="preview"),
    path("contributie/", views.contribution_overview, name="contribution"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
