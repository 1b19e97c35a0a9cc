from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from jalon.boards.models import Board
from jalon.boards.services import board_meetings_generate


@db_periodic_task(crontab(minute="30", hour="2"))
@lock_task("boards-generate-meetings")
def generate_board_meetings_ahead() -> None:
    """Nightly: every active board has its meetings for the coming weeks (idempotent, unique per start)."""
    for board in Board.objects.filter(is_active=True):
        board_meetings_generate(board=board)
