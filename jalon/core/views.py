"""Error pages in French, rendered without touching the database."""

from django.http import JsonResponse
from django.shortcuts import render


def not_found(request, exception=None):  # noqa: ARG001
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": "Ressource introuvable."}, status=404)
    return render(request, "errors/404.html", status=404)


def forbidden(request, exception=None):  # noqa: ARG001
    return render(request, "errors/403.html", status=403)


def bad_request(request, exception=None):  # noqa: ARG001
    return render(request, "errors/400.html", status=400)


def server_error(request):
    return render(request, "errors/500.html", status=500)
