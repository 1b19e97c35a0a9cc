"""Models of jalon.mailin."""

from django.db import models  # noqa: F401
