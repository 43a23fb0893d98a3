from django.urls import path

from members import views, views_catalogue

app_name = "members"

urlpatterns = [
    path("gemeenten/", views.my_municipalities, name="my_municipalities"),
    path("gemeenten/<str:cbs_code>/", views.municipality_detail, name="municipality_detail"),
    path(
        "gemeenten/<str:cbs_code>/contracten/<int:contract_id>/document/",
        views.contract_document,
        name="contract_document",
    ),
    path(
        "gemeenten/<str:cbs_code>/lokale-kaders/nieuw/",
        views.local_framework_new,
        name="local_framework_new",
    ),
    path(
        "gemeenten/<str:cbs_code>/lokale-kaders/<int:pk>/intrekken/",
        views.local_framework_withdraw_view,
        name="local_framework_withdraw",
    ),
    path("leden/", views.members_overview, name="overview"),
    path("leden/contracten/", views.contracts_ending, name="contracts_ending"),
    path("productenboek/", views_catalogue.catalogue, name="catalogue"),
    path("productenboek/<int:pk>/", views_catalogue.instrument_detail, name="instrument_detail"),
    path(
        "productenboek/<int:pk>/documenten/<int:document_id>/",
        views_catalogue.instrument_document,
        name="instrument_document",
    ),
    path(
        "productenboek/aanvragen/",
        views_catalogue.instrument_requests,
        name="instrument_requests",
    ),
    path(
        "productenboek/aanvragen/<int:pk>/",
        views_catalogue.instrument_request_detail,
        name="instrument_request_detail",
    ),
]
