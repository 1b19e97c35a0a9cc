"""The worklist's rows as HTML, written in Python (issue 15).

The worklist is the page every coordinator keeps open and refreshes; its 50 rows made about a third of its
server time when rendered by the template engine (some 25 variable lookups and filters per row). Here each row
is one format string over values escaped once, with the words repeated on every row translated once per page.
The markup is the one the template had (`_worklist_table.html` includes this where its loop was): change both
together, and keep the translations in gettext so that `makemessages` still finds them.
"""

from __future__ import annotations

import html

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from jalon.core import formatting


def escape(value) -> str:
    """What `django.utils.html.escape` gives, without its lazy-string wrapper (called ~15 times a row)."""
    return html.escape(str(value))


def _date(value) -> str:
    return formatting.date_numeric(value) if value not in (None, "") else ""


def _day_month_time(value) -> str:
    return formatting.day_month_time(value) if value not in (None, "") else ""


def worklist_rows_html(rows, *, referral_url_prefix: str) -> SafeString:
    """The `<tr>` of each `coordination.selectors.WorklistRow`, in order (nothing when there is none)."""
    outside = f' <span class="badge badge-warn">{escape(gettext("hors territoire"))}</span>'
    proposed = escape(gettext("proposée"))
    late = escape(gettext("en retard"))
    complete = f'<span class="badge badge-ok">{escape(gettext("complète"))}</span>'
    incomplete_record = escape(gettext("Dossier incomplet"))
    prefix = escape(referral_url_prefix)
    parts = []
    for row in rows:
        reference = escape(row.reference)
        if row.priority:
            priority = escape(row.priority)
        elif row.proposed_priority:
            priority = (
                f'<span data-testid="proposed-priority">{escape(row.proposed_priority)}</span><br>'
                f"<small>{proposed}</small>"
            )
        else:
            priority = "–"
        deadline = escape(_day_month_time(row.answer_deadline))
        if row.overdue:
            answer = f'<span class="overdue">{deadline} · {late}</span>'
        elif row.hours_left is not None:
            hours = escape(gettext("%(hours)s h ouvrées restantes") % {"hours": row.hours_left})
            answer = f"{deadline}<br><small>{hours}</small>"
        else:
            answer = deadline
        if row.is_complete:
            completeness = complete
        else:
            missing = ngettext("%(counter)s manquant", "%(counter)s manquants", row.missing_count) % {
                "counter": row.missing_count
            }
            completeness = f'<span class="badge badge-warn">{escape(missing)}</span>'
        urgency = escape(row.urgency)
        if row.urgent:
            urgency = f'<span class="badge badge-danger">{urgency}</span>'
        status = escape(row.status)
        if row.record_missing:
            status += (
                f'<br><span class="badge badge-warn">{incomplete_record} : '
                f"{escape(' ; '.join(row.record_missing))}</span>"
            )
        parts.append(
            f'<tr data-row-key="{reference}">'
            f'<td><a href="{prefix}{reference}/" id="worklist-{reference}">{reference}</a></td>'
            f"<td>{escape(row.patient_name)}<br><small>{escape(_date(row.birth_date))}</small>"
            f"{outside if row.outside_territory else ''}</td>"
            f"<td>{escape(row.site)}</td>"
            f"<td>{urgency}</td>"
            f"<td>{priority}</td>"
            f"<td>{answer}</td>"
            f"<td>{completeness}</td>"
            f"<td>{escape(row.channel)}</td>"
            f"<td>{escape(row.referrer_name)}</td>"
            f"<td>{status}</td>"
            "</tr>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
