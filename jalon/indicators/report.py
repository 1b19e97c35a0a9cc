"""The yearly activity report for the funders (ACI, ARS): one XLSX workbook built from
`selectors.indicator_set` for the year and the year before. Aggregates only, no patient row."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jalon.indicators import definitions
from jalon.indicators.definitions import COMMON_RULES, DELAYS
from jalon.indicators.exports import Sheet, iso_month, profession_label, xlsx_bytes
from jalon.indicators.selectors import Filters, IndicatorSet, Period, indicator_set


def _total(table: dict) -> int:
    return sum(sum(counts.values()) for counts in table.values())


def _summary_rows(current: IndicatorSet, previous: IndicatorSet) -> list[list]:
    def pair(label, unit, pick):
        return [label, pick(current), pick(previous), str(unit)]

    rows = [
        pair(_("Parcours ouverts (demandes reçues dans l'année)"), definitions.COUNT, lambda s: s.cohort),
        pair(_("Patients ayant pris contact"), definitions.COUNT, lambda s: s.contacted_accompanied.contacted),
        pair(_("Patients accompagnés"), definitions.COUNT, lambda s: s.contacted_accompanied.accompanied),
        pair(_("Demandes reçues"), definitions.COUNT, lambda s: _total(s.referrals_per_month)),
        pair(_("Rendez-vous pris"), definitions.COUNT, lambda s: _total(s.appointments_per_month)),
        pair(str(definitions.ALL["distinct_gps"].label), definitions.COUNT, lambda s: s.distinct_gps),
        pair(
            str(definitions.ALL["milestones_within_target"].label), definitions.SHARE, lambda s: s.within_target.percent
        ),
        pair(_("Créneaux réservés utilisés"), definitions.COUNT, lambda s: s.reserved_slots.used),
        pair(_("Créneaux réservés libérés"), definitions.COUNT, lambda s: s.reserved_slots.released),
        pair(_("Part des créneaux réservés utilisée"), definitions.SHARE, lambda s: s.reserved_slots.share.percent),
        pair(
            str(definitions.ALL["supportive_care_assessed"].label) + " " + _("(pas encore enregistré)"),
            definitions.SHARE,
            lambda s: s.supportive_care.percent or 0,
        ),
    ]
    for delay in DELAYS:
        rows.append(
            pair(
                _("%(delay)s : médiane") % {"delay": delay.label},
                delay.unit,
                lambda s, code=delay.code: s.delays[code].stats.median,
            )
        )
        rows.append(
            pair(
                _("%(delay)s : n") % {"delay": delay.label},
                definitions.COUNT,
                lambda s, code=delay.code: s.delays[code].stats.n,
            )
        )
    return rows


def report_sheets(year: int, filters: Filters = Filters()) -> list[Sheet]:  # noqa: B008 (a frozen dataclass)
    current = indicator_set(Period.year(year), filters, breakdowns=("month",))
    previous = indicator_set(Period.year(year - 1), filters, breakdowns=())
    months = Period.year(year).month_starts()

    delays = [
        [
            str(d.label),
            d.code,
            r.stats.n,
            r.stats.median,
            r.stats.p90,
            r.stats.mean,
            r.stats.minimum,
            r.stats.maximum,
            r.stats.pending,
        ]
        for d in DELAYS
        for r in [current.delays[d.code]]
    ]
    monthly = []
    for delay in DELAYS:
        by_month = dict(current.delays[delay.code].breakdowns.get("month", []))
        for month in months:
            stats = by_month.get(month)
            monthly.append(
                [
                    str(delay.label),
                    delay.code,
                    iso_month(month),
                    *([stats.n, stats.median, stats.p90, stats.mean] if stats else [0, None, None, None]),
                ]
            )

    professions = sorted(
        {
            p
            for table in (current.referrals_per_month, current.appointments_per_month)
            for counts in table.values()
            for p in counts
        }
    )
    volume_headers = [_("Mois")]
    volume_headers += [_("Demandes : %(profession)s") % {"profession": profession_label(p)} for p in professions] + [
        _("Demandes : total")
    ]
    volume_headers += [_("Rendez-vous : %(profession)s") % {"profession": profession_label(p)} for p in professions] + [
        _("Rendez-vous : total")
    ]
    volume_headers += [_("Médecins généralistes distincts")]
    volumes = []
    for month in months:
        referrals = current.referrals_per_month.get(month, {})
        appointments = current.appointments_per_month.get(month, {})
        volumes.append(
            [
                iso_month(month),
                *[referrals.get(p, 0) for p in professions],
                sum(referrals.values()),
                *[appointments.get(p, 0) for p in professions],
                sum(appointments.values()),
                current.distinct_gps_per_month.get(month, 0),
            ]
        )
    volumes.append(
        [
            _("Année"),
            *[sum(current.referrals_per_month.get(m, {}).get(p, 0) for m in months) for p in professions],
            _total(current.referrals_per_month),
            *[sum(current.appointments_per_month.get(m, {}).get(p, 0) for m in months) for p in professions],
            _total(current.appointments_per_month),
            current.distinct_gps,
        ]
    )

    slots = [
        [str(year), s.reserved_slots.used, s.reserved_slots.released, s.reserved_slots.share.percent]
        for s in (current,)
    ] + [
        [
            str(year - 1),
            previous.reserved_slots.used,
            previous.reserved_slots.released,
            previous.reserved_slots.share.percent,
        ]
    ]

    definition_rows = [
        [item.code, str(item.label), str(item.formula), str(item.unit), str(item.source), str(item.exclusions)]
        for item in definitions.ALL.values()
    ] + [["", _("Règle commune"), str(rule), "", "", ""] for rule in COMMON_RULES]

    return [
        Sheet(_("Synthèse"), [_("Indicateur"), str(year), str(year - 1), _("Unité")], _summary_rows(current, previous)),
        Sheet(
            _("Délais"),
            [
                _("Indicateur"),
                _("Code"),
                _("n"),
                _("Médiane (jours)"),
                _("90e centile (jours)"),
                _("Moyenne (jours)"),
                _("Minimum"),
                _("Maximum"),
                _("En attente"),
            ],
            delays,
        ),
        Sheet(
            _("Délais par mois"),
            [
                _("Indicateur"),
                _("Code"),
                _("Mois"),
                _("n"),
                _("Médiane (jours)"),
                _("90e centile (jours)"),
                _("Moyenne (jours)"),
            ],
            monthly,
        ),
        Sheet(_("Volumes par mois"), volume_headers, volumes),
        Sheet(
            _("Créneaux"),
            [_("Année"), _("Créneaux réservés utilisés"), _("Créneaux réservés libérés"), _("Part utilisée (%)")],
            slots,
        ),
        Sheet(
            _("Définitions"),
            [_("Code"), _("Indicateur"), _("Formule"), _("Unité"), _("Source"), _("Exclusions")],
            definition_rows,
        ),
    ]


def yearly_report(year: int, filters: Filters = Filters()) -> bytes:  # noqa: B008 (a frozen dataclass)
    """The workbook's bytes: « Synthèse », « Délais », « Délais par mois », « Volumes par mois », « Créneaux », «
    Définitions »."""
    return xlsx_bytes(report_sheets(year, filters))
