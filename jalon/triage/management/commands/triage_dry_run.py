"""Try a triage rule set on past referrals and print which outcomes would change (references only), and which
rules no case of the clinical test set reaches."""

from django.core.management.base import BaseCommand, CommandError

from jalon.core.vocabulary import PathwayKind
from jalon.triage.dry_run import NO_RULE, CoverageReport, DryRunReport, Outcome, clinical_coverage, dry_run
from jalon.triage.models import TriageRuleSet


def _set_label(rule_set: TriageRuleSet | None) -> str:
    if rule_set is None:
        return "aucun jeu publié (parcours générique, P3 pour toutes)"
    return f"v{rule_set.version} ({'publié' if rule_set.published_at else 'brouillon'})"


def _outcome(outcome: Outcome) -> str:
    rule = outcome.rule_code or "aucune règle"
    return f"{PathwayKind(outcome.pathway_kind).label}, {outcome.priority} ({rule})"


def _counts(before, after, keys, label=str) -> str:
    return " ; ".join(f"{label(key)} {before[key]} → {after[key]}" for key in keys if before[key] or after[key]) or "—"


class Command(BaseCommand):
    help = "Essaie un jeu de règles de tri sur les demandes passées et liste celles dont le résultat changerait."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version N` names the rule set here: it replaces Django's --version (which prints Django's version).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--version",
            dest="rule_set_version",
            type=int,
            required=True,
            metavar="N",
            help="Version du jeu de règles à essayer.",
        )
        parser.add_argument(
            "--against", type=int, metavar="M", help="Version de référence (par défaut : le jeu publié)."
        )
        parser.add_argument(
            "--limit", type=int, default=500, help="Nombre de demandes récentes examinées (500 par défaut)."
        )

    def handle(self, *args, rule_set_version, against=None, limit=500, **options):
        if limit < 1:
            raise CommandError("--limit doit être un nombre positif.")
        candidate = self._rule_set(rule_set_version)
        baseline = self._rule_set(against) if against is not None else None
        report = dry_run(candidate=candidate, baseline=baseline, limit=limit)
        self.stdout.write(self._summary(report))
        self.stdout.write(self._coverage(clinical_coverage(rule_set=candidate)))

    def _coverage(self, coverage: CoverageReport) -> str:
        lines = [
            (
                f"Jeu de cas cliniques : {len(coverage.outcomes)} cas, {len(coverage.codes) - len(coverage.unreached)} "
                f"règle(s) atteinte(s) sur {len(coverage.codes)}."
            )
        ]
        if coverage.unreached:
            lines.append("Règles qu'aucun cas clinique n'atteint :")
            lines.extend(f"  {code}" for code in coverage.unreached)
        else:
            lines.append("Chaque règle est atteinte par au moins un cas clinique.")
        return "\n".join(lines)

    def _rule_set(self, version: int) -> TriageRuleSet:
        rule_set = TriageRuleSet.objects.filter(version=version).first()
        if rule_set is None:
            raise CommandError(f"Jeu de règles de tri introuvable : v{version}.")
        return rule_set

    def _summary(self, report: DryRunReport) -> str:
        lines = [
            (
                f"Essai du jeu de règles {_set_label(report.candidate)} contre {_set_label(report.baseline)} "
                f"sur {report.total} demande(s) acceptée(s) ou en attente."
            ),
            (
                f"Résultats modifiés : {report.changed_count} "
                f"(priorité : {report.priority_changes}, parcours : {report.pathway_changes}) ; "
                f"inchangés : {report.unchanged_count}."
            ),
            "Priorités (avant → après) : "
            + _counts(report.priorities_before, report.priorities_after, ["P1", "P2", "P3"]),
            "Parcours (avant → après) : "
            + _counts(
                report.pathway_kinds_before,
                report.pathway_kinds_after,
                PathwayKind.values,
                lambda key: PathwayKind(key).label,
            ),
            "Règles déclenchées (avant → après) :",
        ]
        silent = 0
        for row in report.rule_counts:
            if row.before or row.after:
                lines.append(f"  {row.code or 'aucune règle'} : {row.before} → {row.after}")
            elif row.code != NO_RULE:
                silent += 1
        if silent:
            lines.append(f"  ({silent} règle(s) ne se déclenchent sur aucune de ces demandes.)")
        if report.changed:
            lines.append("Demandes dont le résultat change :")
            lines.extend(
                f"  {row.reference} : {_outcome(row.before)} → {_outcome(row.after)}" for row in report.changed
            )
        else:
            lines.append("Aucune demande ne change de résultat.")
        return "\n".join(lines)
