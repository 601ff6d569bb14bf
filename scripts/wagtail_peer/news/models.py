from django.db import models
from wagtail.fields import RichTextField
from wagtail.models import Page


class NewsIndexPage(Page):
    subpage_types = ["news.StoryPage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["stories"] = StoryPage.objects.live().child_of(self).order_by("-date", "-pk")[:20]
        return context


class StoryPage(Page):
    date = models.DateTimeField(db_index=True)
    standfirst = models.CharField(max_length=300, blank=True)
    body = RichTextField()
    parent_page_types = ["news.NewsIndexPage"]
