from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data and its commands (`seed_demo`, `demo_totp`); no models."""

    name = "demo"
