from django.utils.translation import gettext_lazy as _

from jalon.accounts.access import reads_in_app_messages
from jalon.accounts.menu import menu_items, menu_url
from jalon.messaging.models import Channel, OutboxMessage


def navigation(request):
    """The menu entries the user's role gives (`accounts.menu`), then the in-app inbox with its unread count
    for those who have one (templates never test roles themselves): (URL name, label, address) each."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = menu_items(user)
    if reads_in_app_messages(user):
        unread = OutboxMessage.objects.filter(channel=Channel.IN_APP, recipient_user=user, read_at__isnull=True).count()
        label = _("Notifications (%(count)s)") % {"count": unread} if unread else _("Notifications")
        items += [("notifications:inbox", label)]
    return {"nav_items": [(name, label, menu_url(name)) for name, label in items]}
