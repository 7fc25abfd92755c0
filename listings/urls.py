from django.urls import path

from listings import views

app_name = "practitioners"

urlpatterns = [
    path("", views.practitioner_list, name="list"),
    path("<slug:slug>/", views.practitioner_detail, name="detail"),
]
