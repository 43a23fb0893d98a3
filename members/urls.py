from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("gemeenten/", views.my_municipalities, name="my_municipalities"),
    path("gemeenten/<str:cbs_code>/", views.municipality_detail, name="municipality_detail"),
    path(
        "gemeenten/<str:cbs_code>/contracten/<int:contract_id>/document/",
        views.contract_document,
        name="contract_document",
    ),
    path("leden/", views.members_overview, name="overview"),
]
