from django.urls import path

from jalon.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("definitions/", views.definition_list, name="definitions"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("rapport-annuel/<int:year>.xlsx", views.report, name="report"),
    path("<slug:code>/parcours/", views.rows, name="rows"),
    path("<slug:code>/parcours.csv", views.rows_csv, name="rows_csv"),
    path("<slug:code>/parcours.xlsx", views.rows_xlsx, name="rows_xlsx"),
]
