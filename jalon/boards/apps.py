from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "jalon.boards"
    label = "boards"

    def ready(self) -> None:
        from jalon.boards.selectors import pathway_board_section
        from jalon.pathways.selectors import page_section_register

        page_section_register("board", pathway_board_section)
