from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "example_apps.django_app.shop"
    label = "shop"
