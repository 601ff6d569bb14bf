from django.core.management.base import BaseCommand
from django.urls import reverse

from articles.models import Article
from newswire.drafts import with_editor_only


class Command(BaseCommand):
    help = (
        "List the published and scheduled stories that still carry the drafter's editor-only "
        "scaffolding (the “Headline candidates” section, a “Reports differ” note), which "
        "publishing now refuses but older stories may hold. Reads every body: seconds at 1M."
    )

    def handle(self, *args, **options):
        found = with_editor_only(Article.objects.filter(status=Article.Status.PUBLISHED))
        for pk, title, parts in found:
            url = reverse("admin:articles_article_change", args=[pk])
            left = ", ".join(part.name for part in parts)
            self.stdout.write(f"{url}  “{title}”: {left}")
        if found:
            self.stdout.write(
                f"{len(found)} published or scheduled story(ies) still carry editor-only text: "
                "open each, delete it, save."
            )
        else:
            self.stdout.write("No published or scheduled story carries editor-only text.")
