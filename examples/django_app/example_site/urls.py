"""URL configuration of the example project."""

from django.urls import include, path

urlpatterns = [path("", include("deployer.urls"))]
