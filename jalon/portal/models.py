"""Models of jalon.portal."""

from django.db import models  # noqa: F401
