"""The board admin: the pages open for the admin, and a quorum naming an unknown specialty is refused in French."""

from django.urls import reverse

from jalon.boards.admin import BoardAdminForm


def test_the_board_admin_pages_open(client, admin_user, board):
    client.force_login(admin_user)

    assert client.get(reverse("admin:boards_board_changelist")).status_code == 200
    assert client.get(reverse("admin:boards_board_change", args=[board.pk])).status_code == 200


def test_it_refuses_an_unknown_required_specialty(board):
    form = BoardAdminForm(instance=board, data={"required_specialties": '["astrologie"]'})

    assert not form.is_valid()
    assert form.errors["required_specialties"] == ["Spécialité inconnue : astrologie"]
