"""Admin change lists that stay fast at a million rows: the one place for how they count,
page, drill down by date and what they read.

Django's change list counts every row twice (the page count and the "N total"), lists the
date drill-down by a SELECT DISTINCT over every row and reads whole rows for the page.
A ModelAdmin over a big table mixes in LargeListMixin and names `list_columns`, the
fields its columns read; it then

- reads only those columns for the page (actions still get whole rows);
- counts at most COUNT_BOUND rows: past that the list says "more than 10,000" and pages
  to the bound (filters and the date drill-down narrow it);
- reads a page's ids from an index, then only those rows (a "deferred join");
- never counts the unfiltered total, nor facets;
- drilled into a date, lists newest first by that date (its index serves the order).

Every admin's date drill-down (templates/admin/change_list.html, this module as the
template library `admin_lists`) finds the years, months or days that hold rows with one
query of one EXISTS each, which an index on the date field answers by a seek apiece;
they are the periods of every row the member may list, whatever the other filters.
The indexes that serve each list's default order and filters are in the models' Meta.
"""

import calendar
import datetime

from django import template
from django.contrib.admin import ShowFacets
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Exists
from django.utils import timezone
from django.utils.functional import cached_property

COUNT_BOUND = 10_000

register = template.Library()


class BoundedCountPaginator(Paginator):
    """Counts up to COUNT_BOUND rows and stops; `bounded` is true when there are more."""

    BOUND = COUNT_BOUND
    bounded = False
    # Rows that stand one for one for the list's rows and count from a smaller index
    # (an admin sets it where it knows so, e.g. an author's bylines); None: the list's.
    count_rows = None

    @cached_property
    def count(self):
        rows = self.object_list if self.count_rows is None else self.count_rows
        if not isinstance(rows, models.QuerySet):
            return len(rows)
        counted = rows.order_by().values("pk")[: self.BOUND + 1].count()
        self.bounded = counted > self.BOUND
        return min(counted, self.BOUND)

    def page(self, number):
        """The page's ids first, from the index alone, then those rows: a deep page skips
        index entries, not whole rows, and joins for the columns run for one page only."""
        page = super().page(number)
        rows = self.object_list
        if isinstance(rows, models.QuerySet):
            bottom = (page.number - 1) * self.per_page
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            ids = rows.prefetch_related(None).values_list("pk", flat=True)
            page.object_list = rows.filter(pk__in=list(ids[bottom:top]))
        return page


class LargeChangeList(ChangeList):
    def get_results(self, request):
        # Only the page reads less; actions take cl.get_queryset(), whole rows.
        self.queryset = self.model_admin.get_list_queryset(self.queryset)
        super().get_results(request)


class LargeListMixin:
    """For a ModelAdmin over a table that grows without bound (see the module's notes)."""

    list_columns = ()  # the model fields the list's columns read; () reads whole rows
    paginator = BoundedCountPaginator
    show_full_result_count = False
    show_facets = ShowFacets.NEVER

    def get_changelist(self, request, **kwargs):
        return LargeChangeList

    def get_ordering(self, request):
        """Drilled into a year, month or day: newest first by that date, which its index
        serves; the default order would scan back through every later row to reach it."""
        field = self.date_hierarchy
        if field and any(key.startswith(f"{field}__") for key in request.GET):
            return (f"-{field}", "-pk")
        return super().get_ordering(request)

    def get_list_queryset(self, queryset):
        """The change list's rows as the page reads them: list_columns only."""
        return queryset.only(*self.list_columns) if self.list_columns else queryset


class _Periods:
    """Stands in for cl.queryset inside Django's date_hierarchy: `datetimes()` lists the
    periods that hold rows by one EXISTS a candidate period, not a DISTINCT over the rows.

    Candidates run from the first to the last row (the min/max Django's tag asks for at
    the top level) or over the year or month the editor drilled into. The periods are
    those of every row the member may list; other filters do not narrow them, so a
    period can hold none of the filtered rows (the list then says so).
    """

    def __init__(self, cl):
        self.cl = cl
        # Every row the member may list, before the other filters: their periods are seeks
        # on the date's index, where a filter's rows (a status, an author) can mean a scan.
        self.queryset = cl.root_queryset
        self.span = None

    def aggregate(self, **kwargs):
        self.span = self.queryset.aggregate(**kwargs)
        return self.span

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        return self._periods(field_name, kind, aware=True)

    def dates(self, field_name, kind, order="ASC"):
        return self._periods(field_name, kind, aware=False)

    def _periods(self, field_name, kind, aware):
        starts = self._candidates(field_name, kind)
        if not starts:
            return []
        if aware:
            bounds = [
                timezone.make_aware(datetime.datetime.combine(d, datetime.time())) for d in starts
            ]
        else:
            bounds = list(starts)
        checks = {
            f"p{i}": Exists(
                self.queryset.order_by().filter(
                    **{f"{field_name}__gte": bounds[i], f"{field_name}__lt": bounds[i + 1]}
                )
            )
            for i in range(len(starts) - 1)
        }
        row = (
            self.queryset.model._base_manager.order_by().annotate(**checks).values(*checks).first()
        )
        if row is None:
            return []
        return [bounds[i] for i in range(len(starts) - 1) if row[f"p{i}"]]

    def _candidates(self, field_name, kind):
        """The start of every candidate period and of the one after the last."""
        params = self.cl.params
        year = params.get(f"{field_name}__year")
        month = params.get(f"{field_name}__month")
        if kind == "year" or (kind == "month" and not year) or (kind == "day" and not month):
            span = self.span or self.queryset.aggregate(
                first=models.Min(field_name), last=models.Max(field_name)
            )
            first, last = span["first"], span["last"]
            if first is None or last is None:
                return []
            if isinstance(first, datetime.datetime):
                first, last = timezone.localtime(first).date(), timezone.localtime(last).date()
        else:
            try:
                first = datetime.date(int(year), int(month or 1), 1)
            except ValueError:
                return []  # the change list has already refused such parameters
            if kind == "month":
                last = first.replace(month=12)
            else:
                last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return list(_steps(first, last, kind))


def _steps(first, last, kind):
    if kind == "year":
        for year in range(first.year, last.year + 2):
            yield datetime.date(year, 1, 1)
    elif kind == "month":
        for n in range(first.year * 12 + first.month - 1, last.year * 12 + last.month + 1):
            yield datetime.date(n // 12, n % 12 + 1, 1)
    else:
        day = first
        while day <= last + datetime.timedelta(days=1):
            yield day
            day += datetime.timedelta(days=1)


class _WithPeriods:
    def __init__(self, cl):
        self._cl = cl
        self.queryset = _Periods(cl)

    def __getattr__(self, name):
        return getattr(self._cl, name)


def bounded_date_hierarchy(cl):
    return date_hierarchy(_WithPeriods(cl))


@register.tag(name="bounded_date_hierarchy")
def bounded_date_hierarchy_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=bounded_date_hierarchy,
        template_name="date_hierarchy.html",
        takes_context=False,
    )
