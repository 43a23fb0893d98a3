from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("besluiten/", views.register, name="register"),
    path("besluiten/kaders/", views.framework_history, name="framework_history"),
    path("besluiten/voorstellen/nieuw/", views.proposal_new, name="proposal_new"),
    path("besluiten/voorstellen/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path(
        "besluiten/voorstellen/<int:pk>/advies-vragen/",
        views.proposal_request_advice_view,
        name="proposal_request_advice",
    ),
    path("besluiten/voorstellen/<int:pk>/advies/", views.advice_edit, name="advice_edit"),
    path(
        "besluiten/voorstellen/<int:pk>/stemming-openen/",
        views.proposal_open_view,
        name="proposal_open",
    ),
    path(
        "besluiten/voorstellen/<int:pk>/stemmen/<str:cbs_code>/",
        views.vote,
        name="vote",
    ),
    path(
        "besluiten/voorstellen/<int:pk>/sluiten/", views.proposal_close_view, name="proposal_close"
    ),
    path(
        "besluiten/voorstellen/<int:pk>/intrekken/",
        views.proposal_withdraw_view,
        name="proposal_withdraw",
    ),
    path("besluiten/voorstellen/<int:pk>/besluit.pdf", views.decision_pdf, name="decision_pdf"),
    path("besluiten/verzoeken/", views.member_requests, name="member_requests"),
    path(
        "besluiten/verzoeken/<int:pk>/",
        views.member_request_detail,
        name="member_request_detail",
    ),
]
