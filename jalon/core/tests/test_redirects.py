"""Where a form may send the user back to."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from jalon.core.redirects import local_path


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ("/mes-patients/JAL-2026-000001/", "/mes-patients/JAL-2026-000001/"),
        ("/demandes/file/?tri=echeance", "/demandes/file/?tri=echeance"),
        ("", None),
        ("x", None),
        ("mes-patients/", None),
        ("//exemple.com/piege", None),
        ("/\\exemple.com/piege", None),
        ("https://exemple.com/piege", None),
        ("http://testserver/mes-patients/", None),
        ("javascript:alert(1)", None),
    ],
)
def test_it_keeps_only_a_path_of_this_site(wanted, expected):
    """A path starting with one slash on this host; anything else (a word, another site, a scheme) is None."""
    assert local_path(RequestFactory().post("/"), wanted) == expected
