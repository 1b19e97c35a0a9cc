from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "jalon.referrals"
    label = "referrals"
