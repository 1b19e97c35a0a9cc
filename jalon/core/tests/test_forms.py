"""What forms share: ids no row can have."""

from __future__ import annotations

import pytest

from jalon.core.forms import MAX_ROW_ID, beyond_any_row_id


@pytest.mark.parametrize(
    ("value", "beyond"),
    [
        ("1", False),
        (str(MAX_ROW_ID), False),
        (" 42 ", False),
        (0, False),
        (str(MAX_ROW_ID + 1), True),
        ("9" * 25, True),
        ("-1", True),
        ("x", False),
        ("²", False),
        ("", False),
        ("1.5", False),
    ],
)
def test_it_tells_a_whole_number_no_row_can_have(value, beyond):
    """Beyond the 64-bit id range or negative: True; ordinary ids and non-numbers (left to the form): False."""
    assert beyond_any_row_id(value) is beyond
