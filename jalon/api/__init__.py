"""The public API: one django-ninja instance, its error handlers; each app adds its routers."""
