"""The newswire in the admin: sources for editors, the desk for authors and editors.

Who sees what is plain Django permissions given to the groups by migration 0002: editors
manage sources; authors and editors view and act on items; contributors have none.
"""

import re
from datetime import timedelta

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from aiblogger.admin_lists import LargeListMixin
from aiblogger.concurrency import ConcurrentAdmin, last_change
from articles import policy
from articles.markdown import sanitise_html
from articles.models import Article
from articles.search import ITEMS
from articles.search.admin import EngineSearchMixin

from . import fetch, placing
from .drafts import make_draft
from .models import Cluster, DraftSource, Item, Source
from .tasks import poll_source_task


class SourceForm(forms.ModelForm):
    # Added by URL, the feed is read inside the editor's request: a few seconds at most, so a
    # slow server cannot hold a web worker. Typing a name skips the read (the poller has more).
    CHECK_TIMEOUT = 5  # seconds

    class Meta:
        model = Source
        fields = (
            "feed_url", "name", "site_url", "enabled", "poll_minutes", "rights", "section",
            "language", "keywords_all", "keywords_any", "keywords_none", "stale_after_hours",
        )  # fmt: skip

    def clean(self):
        data = super().clean()
        url = data.get("feed_url")
        if url and not data.get("name"):
            # Add by URL: read the name and the site from the feed itself.
            try:
                timeout = min(self.CHECK_TIMEOUT, settings.NEWSWIRE_FETCH_TIMEOUT)
                response = fetch.fetch(url, timeout=timeout)
                feed = fetch.parse(response.body, response.content_type, response.url)
            except fetch.FetchError as exc:
                message = f"Could not read the feed: {exc}. Fix the address or type a name."
                raise forms.ValidationError({"feed_url": message}) from None
            data["name"] = feed.title[:200] or url[:200]
            data["site_url"] = data.get("site_url") or feed.site_url[:1000]
            data["language"] = data.get("language") or feed.language
            self.instance.name = data["name"]
            self.instance.site_url = data["site_url"]
            self.instance.language = data["language"]
        return data


@admin.register(Source)
class SourceAdmin(LargeListMixin, ConcurrentAdmin):
    form = SourceForm
    list_display = (
        "__str__", "rights", "enabled", "last_success_at", "items_24h", "stale", "short_error",
    )  # fmt: skip
    list_filter = ("enabled", "rights", "section")
    search_fields = ("name", "feed_url")
    actions = ("check_now",)
    readonly_fields = (
        "last_polled_at", "last_success_at", "last_new_item_at", "last_error",
        "consecutive_failures", "next_poll_at",
    )  # fmt: skip
    fieldsets = (
        ("Feed", {"fields": ("feed_url", "name", "site_url", "enabled", "poll_minutes")}),
        ("Use", {"fields": ("rights", "section", "language")}),
        ("Keyword rules", {"fields": ("keywords_all", "keywords_any", "keywords_none")}),
        ("Health", {"fields": ("stale_after_hours", *readonly_fields)}),
    )

    def get_queryset(self, request):
        since = timezone.now() - timedelta(hours=24)
        return (
            super()
            .get_queryset(request)
            # A count a source from its own index range: no join over every item.
            .annotate(
                recent=Coalesce(
                    Subquery(
                        Item.objects.filter(source=OuterRef("pk"), first_seen_at__gte=since)
                        .order_by()
                        .values("source")
                        .annotate(n=Count("pk"))
                        .values("n")
                    ),
                    0,
                )
            )
        )

    @admin.display(description="items in 24 h", ordering="recent")
    def items_24h(self, obj):
        return obj.recent

    @admin.display(description="stale")
    def stale(self, obj):
        # Words, not Django's boolean icons: a red cross read as "fault" on healthy sources.
        if not obj.is_stale:
            return "–"
        return format_html(
            '<strong class="source-stale">Stale</strong>: nothing new for over {} h',
            obj.stale_after_hours,
        )

    @admin.display(description="last error")
    def short_error(self, obj):
        return obj.last_error[:80]

    @admin.action(description="Check now (poll in the background)", permissions=["change"])
    def check_now(self, request, queryset):
        # The task worker polls: a slow or hostile feed server never holds a web thread.
        sources = list(queryset.only("pk", "name"))
        for source in sources:
            transaction.on_commit(
                lambda pk=source.pk: poll_source_task.using(queue_name="default").enqueue(
                    pk, force=True
                )
            )
        self.message_user(
            request,
            f"Checking {len(sources)} source(s) in the background: reload this list in a "
            "minute to see each one's last success or error.",
            messages.SUCCESS,
        )


class SourceSectionFilter(admin.RelatedFieldListFilter):
    """By section: those that some source files into (a few rows), not a DISTINCT over items."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        used = Source.objects.filter(section__isnull=False).values("section")
        return field.get_choices(
            include_blank=False, limit_choices_to={"pk__in": used}, ordering=ordering
        )


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    AGES = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}

    def lookups(self, request, model_admin):
        return (("1h", "Last hour"), ("24h", "Last 24 hours"), ("7d", "Last 7 days"))

    def queryset(self, request, queryset):
        if self.value() in self.AGES:
            return queryset.filter(first_seen_at__gte=timezone.now() - self.AGES[self.value()])
        return queryset


class DeskActionForm(helpers.ActionForm):
    """The action bar, with the box "Move the selected items to event …" reads."""

    event = forms.CharField(
        required=False,
        label="Event",
        widget=forms.TextInput(attrs={"size": 12, "placeholder": "number or link"}),
        help_text="For “Move the selected items to event …”: the event's number or link.",
    )


_EVENT = re.compile(r"\s*#?(\d+)\s*|.*/newswire/cluster/(\d+)/.*")


def draft_named(request, draft):
    """“Title” by its bylines, linked only when this member may open it (else the link
    would answer 404): an author is told whose draft it is and whom to ask."""
    by = ", ".join(str(link.author) for link in draft.author_links.select_related("author"))
    if policy.can_see(request.user, draft):
        url = reverse("admin:articles_article_change", args=[draft.pk])
        return format_html('<a href="{}">“{}”</a> by {}', url, draft.title, by or "nobody")
    return format_html("“{}” by {} (not yours to open: ask them)", draft.title, by or "nobody")


def event_number(text):
    """The event a number ("412", "#412") or an event page's link names; None otherwise."""
    found = _EVENT.fullmatch(text or "")
    return int(found[1] or found[2]) if found else None


# The desk's filters that list the items of one event (its page links with the first).
_ONE_EVENT = ("cluster", "cluster__exact", "cluster__id__exact", "cluster_id", "cluster__pk")


def listed_event(request):
    """The event whose items alone the desk lists (filtered to it), or None. A key given
    twice is two events (the admin joins them with OR)."""
    given = [value for key in _ONE_EVENT for value in request.GET.getlist(key)]
    if len(given) == 1 and given[0].isdigit():
        return int(given[0])
    return None


def _shown_events(request, nothing):
    """{item id: its event id as the list showed it (None: in no event)}, for the items the
    editor selected: what a move compares with now (the `_events` inputs of the rows).

    "Select all N items" takes rows this page never showed: only where the list is of one
    event's items is each one's event known (that one); anywhere else it is refused."""
    shown = {}
    for pair in request.POST.getlist("_events"):
        pk, _, event = pair.partition(":")
        if pk.isdigit():
            shown[int(pk)] = int(event) if event.isdigit() else None
    if request.POST.get("select_across") == "1":
        if listed_event(request) is None:
            raise placing.Refused(
                f"{nothing}: “Select all” takes items this page did not show, whose events "
                "you have not seen. Select items on this page, or list one event's items "
                "(“This event's items on the desk” on its page) and select all of those."
            )
        return shown  # the page's rows, all selected; the rest are in the listed event
    selected = {
        int(pk) for pk in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME) if pk.isdigit()
    }
    return {pk: event for pk, event in shown.items() if pk in selected}


# A page with nothing to save shows no save buttons (the item and event pages: read only,
# their actions are on the lists).
READ_ONLY = {
    "show_save": False,
    "show_save_and_continue": False,
    "show_save_and_add_another": False,
}


class LanguageFilter(admin.AllValuesFieldListFilter):
    """Languages as the feeds gave them; an empty one is listed as "unknown", not as
    a link without text."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            yield {**choice, "display": choice["display"] or "unknown"}


@admin.register(Item)
class DeskAdmin(EngineSearchMixin, LargeListMixin, admin.ModelAdmin):
    """The newswire desk: newest items first, each with its source, time and a link out."""

    list_display = (
        "headline", "source", "section", "language", "status", "published", "first_seen_at",
        "updated_flag", "event_link", "link_out",
    )  # fmt: skip
    list_filter = ("status", "source", ("source__section", SourceSectionFilter),
                   ("language", LanguageFilter), AgeFilter)  # fmt: skip
    # The search box asks the search engine (articles/search/admin.py).
    search_fields = ("title", "summary", "authors")
    search_collection = ITEMS
    list_select_related = ("source", "source__section")
    list_columns = (
        "title", "summary", "language", "status", "published_at", "published_guessed",
        "first_seen_at", "changed_at", "url", "cluster", "desk_placed", "source__name",
        "source__feed_url", "source__section__name",
    )  # fmt: skip
    ordering = ("-first_seen_at", "-id")
    actions = (
        "make_draft", "dismiss", "mark_duplicate", "move_to_new_event", "move_to_event",
        "give_back",
    )  # fmt: skip
    action_form = DeskActionForm
    list_per_page = 50
    # What an editor reads; the dedupe hashes and embeddings stay internal.
    fieldsets = (
        (None, {"fields": ("title", "source_link", "rights", "language", "authors", "link_out")}),
        ("Text", {"fields": ("summary", "stored_text")}),
        ("Time", {"fields": ("published", "first_seen_at", "changed_at")}),
        ("Desk", {"fields": ("status", "drafts", "duplicate_of", "event", "placement")}),
    )
    readonly_fields = (
        "title", "source_link", "rights", "language", "authors", "link_out", "summary",
        "stored_text", "published", "first_seen_at", "changed_at", "status", "drafts",
        "duplicate_of", "event", "placement",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # retention removes items; drafts keep theirs

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="headline", ordering="title")
    def headline(self, obj):
        excerpt = obj.summary if len(obj.summary) <= 160 else obj.summary[:160].rsplit(" ", 1)[0]
        if not excerpt:
            return format_html("<strong>{}</strong>", obj.title)
        ellipsis = " …" if len(excerpt) < len(obj.summary) else ""
        return format_html(
            '<strong>{}</strong><br><span class="desk-excerpt">{}{}</span>',
            obj.title, excerpt, ellipsis,
        )  # fmt: skip

    @admin.display(description="section", ordering="source__section")
    def section(self, obj):
        return obj.source.section or "–"

    @admin.display(description="published", ordering="published_at")
    def published(self, obj):
        if obj.published_at is None:
            return "–"
        when = date_format(timezone.localtime(obj.published_at), "DATETIME_FORMAT")
        if obj.published_guessed:
            return format_html(
                '{} <em title="{}">(guessed: first seen)</em>',
                when, Item._meta.get_field("published_guessed").help_text,
            )  # fmt: skip
        return when

    @admin.display(description="source")
    def source_link(self, obj):
        source = obj.source
        site = source.site_url or ""
        if not site:
            return str(source)
        return format_html(
            '{} (<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>)',
            source, site, site,
        )  # fmt: skip

    @admin.display(description="rights")
    def rights(self, obj):
        return obj.source.get_rights_display()

    @admin.display(description="stored text")
    def stored_text(self, obj):
        """The licensed text as stored, sanitised again for this page; else what rights allow."""
        if obj.content:
            return mark_safe(sanitise_html(obj.content))  # noqa: S308 (sanitised just now)
        if obj.source.rights == Source.Rights.FULL:
            return "The feed gave no full text for this item."
        return "Not kept: this source's rights allow only " + (
            "the summary." if obj.source.rights == Source.Rights.SUMMARY else "the headline."
        )

    @admin.display(description="event")
    def event(self, obj):
        if obj.cluster_id is None:
            return "–"
        url = reverse("admin:newswire_cluster_change", args=[obj.cluster_id])
        return format_html('<a href="{}">{}</a>', url, obj.cluster)

    @admin.display(description="placed by")
    def placement(self, obj):
        """Who put the item in its event, and what follows: the field's help text alone read
        as a fact on items the machine placed."""
        if obj.cluster_id is None:
            return "In no event yet: the machine places new items within minutes."
        if obj.desk_placed:
            return (
                "An editor: the machine leaves it in this event and never merges the event "
                "with another. “Give the selected items back to the machine” on the desk "
                "undoes this."
            )
        return (
            "The machine: it may still move the item, or merge its event with another, as "
            "reports arrive. Moving it on the desk makes the placement an editor's."
        )

    @admin.display(description="drafts")
    def drafts(self, obj):
        """The drafts made from this item, linked ("Used in a draft" named none)."""
        links = obj.draft_links.select_related("article").order_by("article_id")
        if not links:
            return "–"
        return format_html_join(
            ", ",
            '<a href="{}">“{}”</a>',
            (
                (reverse("admin:articles_article_change", args=[link.article_id]),
                 link.article.title)
                for link in links
            ),
        )  # fmt: skip

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(
            request, object_id, form_url, {**READ_ONLY, **(extra_context or {})}
        )

    @admin.display(description="event")
    def event_link(self, obj):
        if obj.cluster_id is None:
            return "–"
        url = reverse("admin:newswire_cluster_change", args=[obj.cluster_id])
        if not obj.desk_placed:
            return format_html('<a href="{}">{}</a>', url, obj.cluster_id)
        return format_html(
            '<a href="{}">{}</a> <span class="desk-placed" title="{}">placed by an editor</span>',
            url, obj.cluster_id, Item._meta.get_field("desk_placed").help_text,
        )  # fmt: skip

    def action_checkbox(self, obj):
        """Django's checkbox, with the event the row shows: a move made from a page shown
        before another editor or the worker moved the item is refused (placing.py)."""
        return format_html(
            '{}<input type="hidden" name="_events" value="{}:{}">',
            super().action_checkbox(obj),
            obj.pk,
            obj.cluster_id or "",
        )

    @admin.display(description="changed", boolean=True)
    def updated_flag(self, obj):
        return obj.changed_at is not None

    @admin.display(description="link")
    def link_out(self, obj):
        if not obj.url:
            return "–"
        return format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">open</a>', obj.url
        )

    @admin.action(description="Make a draft from the selected items", permissions=["change"])
    def make_draft(self, request, queryset):
        items = list(queryset.select_related("source", "source__section")[:20])
        if not items:
            return None
        article = make_draft(items=items, by=request.user)
        if article.drafted_before:
            opens = policy.can_see(request.user, article)
            self.message_user(
                request,
                format_html(
                    "These items were already drafted: {}. {}",
                    draft_named(request, article),
                    "Opened it instead of making a second." if opens else "No second made.",
                ),
                messages.WARNING,
            )
            if not opens:
                return None  # stay on the desk: the change page would answer 404
        else:
            self.message_user(
                request,
                f"Draft “{article.title}” made from {len(items)} item(s). "
                "Its headline is the source's: rewrite it before publishing.",
                messages.SUCCESS,
            )
            # A different selection is a new story, but say which drafts share its items.
            others = (
                Article.objects.filter(
                    pk__in=DraftSource.objects.filter(item__in=items).values("article")
                )
                .exclude(pk=article.pk)
                .order_by("pk")
            )
            if others:
                self.message_user(
                    request,
                    format_html(
                        "Some of these items are also in {}.",
                        format_html_join("; ", "{}", ((draft_named(request, o),) for o in others)),
                    ),
                    messages.WARNING,
                )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    @admin.action(description="Dismiss the selected items", permissions=["change"])
    def dismiss(self, request, queryset):
        count = queryset.exclude(status=Item.Status.USED).update(status=Item.Status.DISMISSED)
        self.message_user(request, f"{count} item(s) dismissed.", messages.SUCCESS)

    @admin.action(
        description="Mark as duplicates of the earliest selected item", permissions=["change"]
    )
    def mark_duplicate(self, request, queryset):
        items = list(queryset.order_by("first_seen_at", "id"))
        if len(items) < 2:
            self.message_user(
                request, "Select the original and at least one duplicate.", messages.ERROR
            )
            return
        original = items[0]
        count = (
            Item.objects.filter(pk__in=[i.pk for i in items[1:]])
            .exclude(status=Item.Status.USED)
            .update(status=Item.Status.DUPLICATE, duplicate_of=original)
        )
        self.message_user(
            request, f"{count} item(s) marked as duplicates of “{original}”.", messages.SUCCESS
        )

    @admin.action(description="Move the selected items to a new event", permissions=["change"])
    def move_to_new_event(self, request, queryset):
        self._move(request, queryset, to=None)

    @admin.action(
        description="Move the selected items to event … (its number or link in the box)",
        permissions=["change"],
    )
    def move_to_event(self, request, queryset):
        to = event_number(request.POST.get("event", ""))
        if to is None:
            self.message_user(
                request,
                "Nothing moved: give the event's number (the desk's “event” column) or "
                "the link of its page in the box beside the action.",
                messages.ERROR,
            )
            return
        self._move(request, queryset, to=to)

    def _move(self, request, queryset, *, to):
        try:
            shown = _shown_events(request, "Nothing moved")
            moved = placing.move_items(items=queryset, by=request.user, to=to, shown=shown)
        except placing.Refused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        link = format_html(
            '<a href="{}">“{}”</a>',
            reverse("admin:newswire_cluster_change", args=[moved.event.pk]),
            moved.event.title,
        )
        if moved.created:
            text = format_html(
                "{} item(s) moved to a new event, {}, split off “{}”. The machine leaves them "
                "there and does not merge the two events again.",
                moved.count, link, moved.source,
            )  # fmt: skip
        else:
            text = format_html(
                "{} item(s) moved to the event {}; the machine leaves them there.{}",
                moved.count, link,
                format_html(" “{}” had no item left and was removed.", moved.source)
                if moved.emptied else "",
            )  # fmt: skip
        self.message_user(request, text, messages.SUCCESS)

    @admin.action(
        description="Give the selected items back to the machine (it places them again)",
        permissions=["change"],
    )
    def give_back(self, request, queryset):
        try:
            shown = _shown_events(request, "Nothing given back")
            given = placing.give_back(items=queryset, by=request.user, shown=shown)
        except placing.Refused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        text = (
            f"{given.count} item(s) given back to the machine: the worker places them again "
            "within minutes (they may stay, join another event or start their own, and their "
            "event may be merged with another unless an editor placed other items in it)."
        )
        if given.kept:
            text += f" {given.kept} other selected item(s) were the machine's already."
        self.message_user(request, text, messages.SUCCESS)


# The events list's language filter, as its sidebar writes it or as typed in a link.
_LANGUAGE = ("language__exact", "language")


class EventSizeFilter(admin.SimpleListFilter):
    """By default the events that gathered several items; single items only when asked.

    An editor who asks for one language wants that language's events: then every size is
    listed unless a size is chosen. The default is said above the list (changelist_view)."""

    title = "items"
    parameter_name = "items"

    @staticmethod
    def default(request):
        return "all" if any(request.GET.get(key) for key in _LANGUAGE) else "several"

    def lookups(self, request, model_admin):
        return (
            ("several", "Several items"),
            ("all", "All, with single items"),
            ("single", "Single items only"),
        )

    def __init__(self, request, *args, **kwargs):
        self._default = self.default(request)
        super().__init__(request, *args, **kwargs)

    def value(self):
        return super().value() or self._default

    def queryset(self, request, queryset):
        if self.value() == "single":
            # The sources follow from the size; said, they are a range of the order's index
            # (6.9 -> 0.2 ms at 50k events), not a walk past every event of several.
            return queryset.filter(size__lte=1, source_count__lte=1)
        if self.value() == "several":
            return queryset.filter(size__gte=2)
        return queryset

    def choices(self, changelist):
        # Every choice a link with its value: the default one is marked, and leaving it is
        # one click (no choice stands for "no filter" here).
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class PlacedFilter(admin.SimpleListFilter):
    """Events holding a report an editor placed (the worker never merges those), or none."""

    title = "placed by an editor"
    parameter_name = "placed"

    def lookups(self, request, model_admin):
        return (("yes", "Yes"), ("no", "No"))

    def queryset(self, request, queryset):
        # Stored by recount(): the order's index holds it, where an EXISTS an event read
        # the items' index for every event (238 ms for none of 50k events).
        if self.value() in ("yes", "no"):
            return queryset.filter(desk_placed=self.value() == "yes")
        return queryset


@admin.register(Cluster)
class EventDeskAdmin(LargeListMixin, admin.ModelAdmin):
    """Events: items from several sources about one story, grouped by the task worker.

    Events told by several sources come first; an event of one item is hidden unless asked.
    """

    list_display = (
        "title", "language", "size", "source_count", "sources", "placed", "first_item_at",
        "last_item_at",
    )  # fmt: skip
    list_filter = (EventSizeFilter, PlacedFilter, ("language", LanguageFilter))
    search_fields = ("title", "items__title")
    # Stored by ClusterQuerySet.recount(); cluster_order_idx (cluster_language_order_idx by
    # language) serves the order, read backward.
    ordering = ("-source_count", "-last_item_at", "-id")
    actions = ("make_draft",)
    list_per_page = 50
    list_columns = (
        "title", "language", "size", "source_count", "first_item_at", "last_item_at",
    )  # fmt: skip
    fields = (
        "title", "language", "size", "source_count", "first_item_at", "last_item_at",
        "items_list", "on_the_desk",
    )  # fmt: skip
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        # The default size filter, said where the count is read: "0 events" with a
        # filter nobody chose misled.
        if request.method == "GET" and not request.GET.get(EventSizeFilter.parameter_name):
            query = request.GET.copy()
            query[EventSizeFilter.parameter_name] = "all"
            if EventSizeFilter.default(request) == "several":
                self.message_user(
                    request,
                    format_html(
                        "Listed: events with several items (the “items” filter's default). "
                        '<a href="?{}">Show every event</a>, single items included.',
                        query.urlencode(),
                    ),
                    messages.INFO,
                )
            else:
                self.message_user(
                    request,
                    "Listed: every event of the chosen language, single items included "
                    "(the “items” filter narrows them).",
                    messages.INFO,
                )
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(
            request, object_id, form_url, {**READ_ONLY, **(extra_context or {})}
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=Item.objects.select_related("source").order_by("first_seen_at", "id"),
                )
            )
        )

    def get_list_queryset(self, queryset):
        # The sources and placed columns read each item's source and mark only: no text.
        items = (
            Item.objects.select_related("source")
            .only("cluster", "desk_placed", "source__name", "source__feed_url")
            .order_by("first_seen_at", "id")
        )
        listed = super().get_list_queryset(queryset)
        return listed.prefetch_related(None).prefetch_related(Prefetch("items", queryset=items))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_urls(self):
        from django.urls import path

        accept = path(
            "accept/<int:article_id>/",
            self.admin_site.admin_view(self.accept_suggestion),
            name="newswire_accept_suggestion",
        )
        return [accept, *super().get_urls()]

    def accept_suggestion(self, request, article_id):
        """One click: add a suggested tag or use the suggested section (POST only)."""
        from django.core.exceptions import PermissionDenied
        from django.http import HttpResponseNotAllowed
        from django.shortcuts import get_object_or_404

        from articles.models import Article

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        from articles import policy

        with transaction.atomic():
            article = get_object_or_404(
                policy.articles_for(request.user, Article.objects.all()).select_for_update(),
                pk=article_id,
            )
            if not policy.can_edit(request.user, article):
                raise PermissionDenied
            if request.POST.get("version") != str(article.version):
                self.message_user(
                    request,
                    "Nothing accepted: the article changed after you opened it"
                    f"{last_change(article)}. Save or reload your form, then accept again.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(
                    reverse("admin:articles_article_change", args=[article.pk])
                )
            with reversion.create_revision():
                reversion.set_user(request.user)
                response = self._accept(request, article)
        return response

    def _accept(self, request, article):
        from django.shortcuts import get_object_or_404

        from articles.models import Section, Tag

        assist = getattr(article, "assist", None)
        suggestions = assist.suggestions if assist else {}
        back = HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        tag_id, section_id = request.POST.get("tag", ""), request.POST.get("section", "")
        if tag_id.isdigit() and int(tag_id) in {t["id"] for t in suggestions.get("tags", [])}:
            tag = get_object_or_404(Tag, pk=int(tag_id))
            article.set_tags([*article.tags.all(), tag])
            article.save()  # a new version: forms opened before now are stale
            reversion.set_comment(f"Suggested tag “{tag}” added.")
            self.message_user(request, f"Tag “{tag}” added.", messages.SUCCESS)
        elif section_id.isdigit() and int(section_id) in {
            s["id"] for s in suggestions.get("section", [])
        }:
            article.section = get_object_or_404(Section, pk=int(section_id))
            article.save()
            reversion.set_comment(f"Suggested section “{article.section}” chosen.")
            self.message_user(request, f"Section “{article.section}” chosen.", messages.SUCCESS)
        else:
            self.message_user(request, "That is not a current suggestion.", messages.ERROR)
        return back

    @admin.display(description="reported by")
    def sources(self, obj):
        names = []
        for item in obj.items.all():
            if str(item.source) not in names:
                names.append(str(item.source))
        return ", ".join(names)

    @admin.display(description="placed by an editor")
    def placed(self, obj):
        """How many of its reports an editor placed (the page's items, prefetched)."""
        count = sum(item.desk_placed for item in obj.items.all())
        if not count:
            return "–"
        return format_html(
            '<span class="event-placed" title="{}">{} of {}</span>',
            "An editor placed these reports here: the machine never merges this event.",
            count, len(obj.items.all()),
        )  # fmt: skip

    @admin.display(description="items")
    def items_list(self, obj):
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li>{} — <a href="{}">{}</a> ({}){}{}</li>',
                (
                    (item.source, reverse("admin:newswire_item_change", args=[item.pk]),
                     item.title, item.get_status_display(),
                     f" [{item.language}]" if item.language else "",
                     " — placed by an editor" if item.desk_placed else "")
                    for item in obj.items.all()
                ),
            ),
        )  # fmt: skip

    @admin.display(description="on the desk")
    def on_the_desk(self, obj):
        url = reverse("admin:newswire_item_changelist") + "?" + urlencode({"cluster": obj.pk})
        return format_html(
            '<a href="{}">This event\'s items on the desk</a>: select those that tell another '
            "story, then “Move the selected items to a new event” (or to another event, by "
            "its number: {}); “Give the selected items back to the machine” undoes an "
            "editor's placement.",
            url, obj.pk,
        )  # fmt: skip

    @admin.action(description="Make a draft from each selected event", permissions=["change"])
    def make_draft(self, request, queryset):
        made = []
        for cluster in queryset[:10]:
            items = [item for item in cluster.items.all() if item.status != Item.Status.DISMISSED]
            if not items:
                continue
            draft = make_draft(items=items, by=request.user, digest=cluster.digest)
            if draft.drafted_before:
                self.message_user(
                    request,
                    format_html(
                        "“{}” was already drafted: {}.", cluster.title, draft_named(request, draft)
                    ),
                    messages.WARNING,
                )
            made.append(draft)
        if not made:
            self.message_user(request, "The selected events have no items.", messages.ERROR)
            return None
        new = sum(not draft.drafted_before for draft in made)
        if new:
            self.message_user(
                request,
                f"{new} draft(s) made. Each headline is a source's: rewrite it before "
                "publishing, and rewrite quoted text in the newsroom's own words.",
                messages.SUCCESS,
            )
        # Open the first new draft, else one this member may open; none: stay on the list.
        opens = sorted(
            (draft for draft in made if policy.can_see(request.user, draft)),
            key=lambda draft: draft.drafted_before,
        )
        if not opens:
            return None
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[opens[0].pk]))
