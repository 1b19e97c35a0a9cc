"""Test helpers for the second factor: a test client's session marked as having passed it, a device with its codes."""

from __future__ import annotations

from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jalon.accounts.two_factor import SESSION_KEY

TEST_METHOD = "test"  # the session mark set by the suite's force_login: not a way any real login can take


def mark_client_verified(client) -> None:
    """Mark the test client's logged-in session as having passed the second factor."""
    session = client.session
    session[SESSION_KEY] = TEST_METHOD
    session.save()


def totp_device_for(user) -> TOTPDevice:
    """The user's confirmed TOTP device (created when missing)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The device's code now (or `offset_steps` periods later), as the user's application shows it."""
    import time

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def recovery_code_for(user) -> str:
    """A fresh recovery code for `user` (their static device created when missing)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, defaults={"name": "test", "confirmed": True})
    token = StaticToken.random_token()
    StaticToken.objects.create(device=device, token=token)
    return token
