"""`{% table_scroll %}`: the one markup of a table's scrolling box (a named, focusable region), and the template
errors that keep a table from being left unnamed."""

import pytest
from django.template import Context, Template, TemplateSyntaxError


def render(source: str, **context) -> str:
    return Template("{% load i18n tables %}" + source).render(Context(context))


def test_it_wraps_the_table_in_a_named_focusable_scrolling_region():
    html = render('{% table_scroll label=_("Mes demandes") %}<table></table>{% endtable_scroll %}')
    assert html == (
        '<div class="table-scroll" role="region" tabindex="0" aria-label="Mes demandes"><table></table></div>'
    )


def test_it_names_the_region_by_an_element_and_keeps_its_id_for_htmx():
    html = render(
        '{% table_scroll labelledby="worklist-caption" id="worklist-scroll" %}<table></table>{% endtable_scroll %}'
    )
    assert 'aria-labelledby="worklist-caption" id="worklist-scroll"' in html and "aria-label=" not in html


def test_it_escapes_a_label_from_the_data():
    html = render("{% table_scroll label=title %}<table></table>{% endtable_scroll %}", title='Délais <"P1">')
    assert 'aria-label="Délais &lt;&quot;P1&quot;&gt;"' in html


@pytest.mark.parametrize(
    "opening",
    ["{% table_scroll %}", '{% table_scroll "Demandes" %}', '{% table_scroll label="A" colour="red" %}'],
)
def test_it_refuses_a_box_without_a_name_or_with_unknown_attributes(opening):
    with pytest.raises(TemplateSyntaxError):
        render(opening + "<table></table>{% endtable_scroll %}")
