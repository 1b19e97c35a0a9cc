from django.core.management.base import BaseCommand

from jalon.boards.models import Board
from jalon.boards.services import MEETINGS_AHEAD_WEEKS, board_meetings_generate


class Command(BaseCommand):
    help = "Crée les réunions des RCP actives pour les semaines à venir (sans doublon)."

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=MEETINGS_AHEAD_WEEKS)

    def handle(self, *args, weeks: int, **options):
        created = sum(
            board_meetings_generate(board=board, weeks=weeks) for board in Board.objects.filter(is_active=True)
        )
        self.stdout.write(f"{created} réunion(s) créée(s).")
