"""Models of jalon.teleexpertise."""

from django.db import models  # noqa: F401
