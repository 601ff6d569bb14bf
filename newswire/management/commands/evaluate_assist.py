import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Score the machine assistance (events, duplicates, language) on a labelled JSON Lines "
        "set (default: the development set newswire/tests/eval/dev.jsonl); writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", help="A labelled set, JSON Lines (README: the format).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--suggestions",
            action="store_true",
            help="Also score tag and section suggestions (on newswire/tests/eval/events.txt).",
        )

    def handle(self, *args, **options):
        from newswire import evaluation

        path = options["file"] or str(evaluation.DEV_FILE)
        try:
            metrics = evaluation.evaluate_file(path)
        except evaluation.BadFile as exc:
            raise CommandError(str(exc).replace("\n", " ")) from None
        if options["json"]:
            self.stdout.write(json.dumps(metrics))
        else:
            self.stdout.write(evaluation.report_file(metrics, path))
        if options["suggestions"]:
            suggestions = evaluation.evaluate_suggestions()
            self.stdout.write(evaluation.report_suggestions(suggestions))
