"""The password backend: Django's, whose `get_user` (every request of a logged-in user) also reads the user's
professional record in the same query. The page header shows it and the access rules read it on nearly every
page, where it cost one query more (issue 15)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserWithProfessionalBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("professional").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
