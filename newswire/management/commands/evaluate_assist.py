from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Measure the machine assistance (events, duplicates, language, tag suggestions) on the "
        "labelled set in newswire/tests/eval/; writes nothing (rolled back)."
    )

    def handle(self, *args, **options):
        from newswire import evaluation

        self.stdout.write(evaluation.report(evaluation.evaluate()))
