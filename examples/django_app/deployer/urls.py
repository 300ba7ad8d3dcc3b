"""URLs of the deployer app."""

from django.urls import path

from deployer import views

urlpatterns = [
    path("deploy", views.deploy, name="deploy"),
    path("notify", views.notify, name="notify"),
]
