from django.urls import path, re_path

from jalon.boards import setup_views, views
from jalon.core.references import REFERENCE_URL_PATTERN

app_name = "boards"
urlpatterns = [
    path("", views.board_list, name="list"),
    path("reunions/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("reunions/<int:meeting_id>/presences/", views.attendance, name="attendance"),
    re_path(REFERENCE_URL_PATTERN + r"inscrire/$", views.case_new, name="case_new"),
    path("dossiers/<int:case_id>/", views.case_detail, name="case"),
    path("dossiers/<int:case_id>/inscrire/", views.case_list, name="case_list"),
    path("dossiers/<int:case_id>/reporter/", views.case_postpone, name="case_postpone"),
    path("dossiers/<int:case_id>/tri/", views.sorting_confirm, name="sorting_confirm"),
    path("dossiers/<int:case_id>/decision/", views.decision, name="decision"),
    path("dossiers/<int:case_id>/pps/", views.care_plan, name="care_plan"),
    path("dossiers/<int:case_id>/pps/<int:number>/pdf/", views.care_plan_pdf, name="care_plan_pdf"),
    path("dossiers/<int:case_id>/pps/remis/", views.care_plan_hand, name="care_plan_hand"),
    path("dossiers/<int:case_id>/pps/envoyer/", views.care_plan_send, name="care_plan_send"),
    # managers: their organisations' boards and meetings (setup_views.py)
    path("gestion/", setup_views.manage, name="manage"),
    path("gestion/nouvelle/", setup_views.board_new, name="board_new"),
    path("gestion/<int:board_id>/", setup_views.board_edit, name="board_edit"),
    path("gestion/reunions/<int:meeting_id>/annuler/", setup_views.meeting_cancel, name="meeting_cancel"),
]
