"""`{% table_scroll %}`: every data table in one named, focusable box that scrolls sideways, so a wide table
never widens the page at 320 px (WCAG 1.4.10 reflow, RGAA 10.11). The markup is written here once; the CSS
rule is `.table-scroll` in static/css/jalon.css.

    {% load tables %}
    {% table_scroll label=_("Demandes de téléexpertise") %}<table>…</table>{% endtable_scroll %}
    {% table_scroll labelledby="worklist-caption" id="worklist-scroll" %}<table><caption id="worklist-caption">…

The box is a region (named by `label`, or by the element `labelledby` names) with tabindex="0": a keyboard
user reaches it and scrolls it with the arrow keys. `id` keeps it the same element across htmx refreshes, so
the focus stays on it.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()

ALLOWED = ("label", "labelledby", "id")


class TableScrollNode(template.Node):
    def __init__(self, nodelist, attributes):
        self.nodelist = nodelist
        self.attributes = attributes

    def render(self, context):
        values = {name: expression.resolve(context) for name, expression in self.attributes.items()}
        id_attribute = format_html(' id="{}"', values["id"]) if values.get("id") else ""
        if values.get("labelledby"):
            name_attribute = format_html(' aria-labelledby="{}"', values["labelledby"])
        else:
            name_attribute = format_html(' aria-label="{}"', values.get("label") or "")
        return format_html(
            '<div class="table-scroll" role="region" tabindex="0"{}{}>{}</div>',
            name_attribute,
            id_attribute,
            self.nodelist.render(context),
        )


@register.tag
def table_scroll(parser, token):
    """The table between `{% table_scroll label=… %}` and `{% endtable_scroll %}`, in its scrolling region."""
    name, *remaining = token.split_contents()
    attributes = template.base.token_kwargs(remaining, parser)  # consumes what it reads
    if remaining or set(attributes) - set(ALLOWED):
        raise template.TemplateSyntaxError(f"{name} takes only {', '.join(ALLOWED)}, as name=value")
    if not ("label" in attributes or "labelledby" in attributes):
        raise template.TemplateSyntaxError(f"{name} needs a label= or a labelledby= naming the table")
    nodelist = parser.parse(("endtable_scroll",))
    parser.delete_first_token()
    return TableScrollNode(nodelist, attributes)
