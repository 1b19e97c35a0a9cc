from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jalon.accounts"
    label = "accounts"

    def ready(self):
        # Signal receivers: session stamps at login, failed logins counted per address.
        from jalon.accounts import sessions, throttling  # noqa: F401
