from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Nightly: embed newswire items and articles the current model has not embedded, then "
        "recompute related stories and section/tag suggestions from the site's own published "
        "articles. Loads the models: run it from the timer or a worker, not a web process."
    )

    def handle(self, *args, **options):
        from newswire import assist

        items = 0
        while True:  # process_items takes at most 5,000 at a time
            done = assist.process_items()
            items += done
            if not done:
                break
        embedded, refreshed = assist.refresh_articles()
        self.stdout.write(
            f"{items} item(s) processed, {embedded} article(s) embedded, "
            f"{refreshed} article(s) given fresh related stories and suggestions."
        )
