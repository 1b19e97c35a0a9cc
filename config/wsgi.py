import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _warm_up_lexicon() -> None:
    """The French clinical lexicon (edsnlp) takes seconds to build: each server process builds it once at
    start-up, in the background, so the first referral read does not wait for it."""
    from jalon.triage.lexicon import pipeline

    pipeline()


if os.environ.get("JALON_LEXICON_WARM_UP", "1") == "1":
    threading.Thread(target=_warm_up_lexicon, name="lexicon-warm-up", daemon=True).start()
