from django.urls import path

from jalon.pathways import manage_views

app_name = "pathway_templates"
urlpatterns = [
    path("", manage_views.template_list, name="list"),
    path("<slug:kind>/v<int:number>/", manage_views.version_detail, name="version"),
    path("<slug:kind>/nouvelle-version/", manage_views.version_new, name="version_new"),
]
