"""The supervision pages (NVSI's view of its account), under /toezicht/; objects by primary
key. Lists export with `?format=csv` or `?format=xlsx`."""

from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("toezicht/", views.index, name="index"),
    path("toezicht/bankafschriften/", views.statement_list, name="statements"),
    path("toezicht/bankregels/", views.bank_line_list, name="bank_lines"),
    path("toezicht/bankregels/<int:pk>/", views.bank_line_detail, name="bank_line"),
    path("toezicht/betalingen/", views.payment_list, name="payments"),
    path("toezicht/debiteuren/", views.receivable_list, name="receivables"),
    path("toezicht/betaalmomenten/", views.payout_run_list, name="payout_runs"),
    path("toezicht/betaalmomenten/<int:pk>/", views.payout_run_detail, name="payout_run"),
    path(
        "toezicht/betaalmomenten/<int:pk>/sepa.xml",
        views.payout_run_sepa,
        name="payout_run_sepa",
    ),
    path("toezicht/overboekingen/", views.transfer_file_list, name="transfer_files"),
    path("toezicht/overboekingen/<int:pk>/", views.transfer_file_detail, name="transfer_file"),
    path(
        "toezicht/overboekingen/<int:pk>/sepa.xml",
        views.transfer_file_sepa,
        name="transfer_file_sepa",
    ),
    path("toezicht/audittrail/", views.audit_event_list, name="audit"),
    path("toezicht/cijfers/", views.nvsi_figures_view, name="figures"),
]
