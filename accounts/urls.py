"""The account pages of our own, mounted before allauth's: they replace allauth's address
management (/accounts/email/), which would change an address without confirmation."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("email/", views.email_change, name="email_change"),
    path(
        "email/bevestigen/<str:token>/",
        views.email_change_confirm_view,
        name="email_change_confirm",
    ),
]
