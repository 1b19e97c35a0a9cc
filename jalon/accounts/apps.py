from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jalon.accounts"
    label = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        # Signal receivers: session stamps at login, failed logins counted per address; the deploy checks.
        from jalon.accounts import checks, sessions, throttling  # noqa: F401
        from jalon.accounts.two_factor import forget_second_factor_on_login

        user_logged_in.connect(forget_second_factor_on_login, dispatch_uid="jalon_forget_second_factor")
        # The data version stamp the polled fragments' 204 answers rest on (freshness.py).
        from jalon.accounts.freshness import watch_writes

        watch_writes()
