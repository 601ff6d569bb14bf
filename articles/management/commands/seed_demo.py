"""Fill the database with a realistic demo newsroom; safe to run again."""

import functools
import io
import os
import random
import re
import secrets
from datetime import datetime, timedelta
from html import escape
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw
from tqdm import tqdm

from accounts.models import User
from articles import search
from articles.demotext import NewsText
from articles.markdown import render_markdown
from articles.models import Article, ArticleAuthor, ArticleTag, Section, Tag
from articles.pagecache import invalidate_public_pages
from newswire.demo import seed_newswire

SECTIONS = [
    ("News", "The day's most important stories."),
    ("Politics", "Parliament, councils and the people who run them."),
    ("Business", "Companies, markets and the economy."),
    ("Science", "Research, health and the environment."),
    ("Culture", "Books, film, music and the arts."),
    ("Sport", "Results, analysis and interviews."),
]
TAGS = [
    "Climate", "Elections", "Housing", "Transport", "Energy", "Health", "Education",
    "Technology", "Courts", "Budget", "Football", "Cycling", "Space", "Oceans",
    "Farming", "Theatre", "Music", "Trade", "Jobs", "Water",
]  # fmt: skip
# username, display name, role (None = administrator)
PEOPLE = [
    ("admin", "Site Administrator", None),
    ("editor", "Elena Ortiz", "Editor"),
    ("author", "Amara Okafor", "Author"),
    ("author2", "Jonas Lindqvist", "Author"),
    ("author3", "Priya Raman", "Author"),
    ("contributor", "Tom Becker", "Contributor"),
    ("contributor2", "Mei Chen", "Contributor"),
]
SUBJECTS = [
    "City council", "Regional hospital", "Harbour authority", "University researchers",
    "Rail operator", "Local farmers", "The central bank", "Teachers' union",
    "Water board", "Youth orchestra", "Energy regulator", "Football club",
]  # fmt: skip
VERBS = [
    "approves", "rejects", "delays", "unveils", "questions", "expands", "cuts",
    "defends", "reviews", "launches",
]  # fmt: skip
OBJECTS = [
    "new tram line", "flood defence plan", "budget for next year", "housing scheme",
    "night-time bus service", "solar farm", "school meal programme", "stadium upgrade",
    "clean-air zone", "research centre", "harbour expansion", "library opening hours",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Thursday"]
LEAD = (
    "{title}, officials confirmed on {day}. The decision affects about {count} people.\n\n{story}"
)
# The lead's first paragraph: the standfirst.
STANDFIRST = LEAD.split("\n\n", 1)[0]
BODIES = [
    """{lead}

## What happens next

The proposal now goes to a second reading. Officials said a decision is expected
**within weeks**, and that residents will be consulted first.

> "We have listened, and we will keep listening," a spokesperson said.

- Public meetings start next month
- Written comments can be sent until the end of the quarter
- A final vote is planned for the spring
""",
    """{lead}

Critics say the plan leaves too many questions open. Supporters point to
[the published report](https://example.com/report) and to similar schemes
elsewhere that *paid for themselves* within five years.

## The numbers

| Year | Cost | Saving |
|------|------|--------|
| 1    | 4.2m | 0.8m   |
| 2    | 1.1m | 1.9m   |
""",
    """{lead}

Residents gathered outside the town hall on Tuesday evening. Several said they
had only learnt of the plans from social media.

1. The first phase starts in June.
2. The second phase depends on national funding.
3. A review is promised after two years.

Reporting by the newsroom; corrections are listed below the story.
""",
]
IMAGES_IN_DEMO = 8
# Scheduled demo stories come only from the newest this many (twenty of them).
SCHEDULED_SPAN = 400
DEMO_PICTURE_SIZE = (1600, 900)
# Articles per transaction, and per INSERT statement (a few MB, under max_allowed_packet).
BATCH = 10_000
ROWS_PER_INSERT = 2000
# One body in this many is rendered in full and compared with the fast path's.
CHECK_EVERY = 1000


class Spec(NamedTuple):
    """What _spec() gives for an article; every other column is what a new Article() saves."""

    title: str
    slug: str
    standfirst: str
    body: str
    body_html: str
    section: int
    status: str
    published_at: datetime | None
    first_published_at: datetime | None
    featured: bool
    # A story published in the past was written then and not touched since: its page says
    # "Updated" only when an editor changes it (not at the time of the seed).
    created_at: datetime
    updated_at: datetime


class Command(BaseCommand):
    help = "Create a demo newsroom: sections, tags, staff in every role and articles."

    def add_arguments(self, parser):
        parser.add_argument(
            "--articles", type=int, default=60, help="Total demo articles wanted (default 60)."
        )
        parser.add_argument(
            "--images",
            type=int,
            default=IMAGES_IN_DEMO,
            help=f"How many of the newest stories get a picture (default {IMAGES_IN_DEMO}).",
        )
        parser.add_argument(
            "--password",
            default=None,
            help=(
                "Password for every demo account, kept for later runs. Default: the one "
                "kept from an earlier run, or a new random one (printed either way)."
            ),
        )

    def handle(self, *args, articles, images, password, **options):
        if articles < 0 or articles > 5_000_000:
            raise CommandError("--articles must be between 0 and 5,000,000.")
        self.verbosity = options["verbosity"]
        password = self._demo_password(password)
        sections = self._sections()
        tags = self._tags()
        people = self._people(password)
        writers = [u for u, role in people if role in ("Author", "Editor", "Contributor")]
        created = self._articles(articles, sections, tags, writers)
        self._images(max(0, min(articles, images)))
        self.stdout.write(seed_newswire())  # newswire/demo.py: sample feeds, events, a draft
        invalidate_public_pages()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo newsroom ready: {Article.objects.count()} articles "
                f"({created} new), {len(sections)} sections, {len(tags)} tags."
            )
        )
        self.stdout.write("Log into the admin at /admin/ with any of these accounts:")
        for user, role in people:
            self.stdout.write(f"  {user.username:<13} {role or 'Administrator':<12} {password}")

    def _demo_password(self, given):
        """--password, else the one kept from the last run, else a new one; kept for next time.

        Where it is kept is DEMO_PASSWORD_FILE (dev: the git-ignored var/); elsewhere
        nothing is kept and each run without --password picks a new one.
        """
        path = settings.DEMO_PASSWORD_FILE
        kept = path.read_text().strip() if path and path.exists() else ""
        password = given or kept or secrets.token_urlsafe(9)
        if path and password != kept:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as file:
                file.write(password + "\n")
        return password

    def _sections(self):
        sections = []
        for position, (name, description) in enumerate(SECTIONS):
            section, _ = Section.objects.get_or_create(
                slug=slugify(name),
                defaults={"name": name, "description": description, "position": position},
            )
            sections.append(section)
        return sections

    def _tags(self):
        return [
            Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0]
            for name in TAGS
        ]

    def _people(self, password):
        people = []
        # One hash for every account: a password hash costs about a second on purpose.
        hashed = make_password(password)
        for username, display_name, role in PEOPLE:
            first, last = display_name.split(" ", 1)
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={
                    "display_name": display_name,
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "bio": f"{display_name} writes for the newsroom.",
                    "is_staff": True,
                    "is_superuser": role is None,
                },
            )
            user.password = hashed
            user.save(update_fields=["password"])
            if role:
                user.groups.add(Group.objects.get(name=role))
            people.append((user, role))
        return people

    def _articles(self, total, sections, tags, writers):
        """Create demo articles 0..total-1 (0 the newest) that do not exist yet, in bulk
        batches, the oldest first.

        Rows go in by multi-row INSERTs, not model instances: a million of those
        would cost more than the database's own work.
        """
        now = timezone.now()
        # Spread a big archive over more time so it looks like years of news.
        spacing = timedelta(minutes=max(20, 3 * 365 * 24 * 60 // max(total, 1)))
        bodies = DemoBodies()
        articles = BulkRows(Article, Spec._fields)
        tag_links = BulkRows(ArticleTag, ["article", "tag", "public_since"])
        author_links = BulkRows(ArticleAuthor, ["article", "author", "position", "public_since"])
        present = Article.objects.count()
        created, indexed = 0, True
        progress = tqdm(
            total=total,
            desc="articles",
            unit="art",
            disable=total < BATCH or self.verbosity == 0,
            file=self.stderr._out,
        )
        # Oldest first, as a newsroom writes them: ids grow with time (the search
        # engine's early stop relies on it to see the newest stories first).
        for end in range(total, 0, -BATCH):
            specs = [
                self._spec(i, now, spacing, sections, bodies)
                for i in range(end - 1, max(0, end - BATCH) - 1, -1)
            ]
            if present:
                existing = _ids_by_slug([spec.slug for spec in specs])
                specs = [spec for spec in specs if spec.slug not in existing]
            with transaction.atomic():
                articles.insert([articles.row(spec) for spec in specs])
                ids = _ids_by_slug([spec.slug for spec in specs])
                tag_rows, author_rows = self._links(specs, ids, tags, writers)
                tag_links.insert([tag_links.row(row) for row in tag_rows])
                author_links.insert([author_links.row(row) for row in author_rows])
            # The bulk rows went in behind Article.save()'s back: index them here.
            indexed = indexed and self._index(list(ids.values()))
            created += len(specs)
            progress.update(min(BATCH, end))
        progress.close()
        return created

    def _index(self, ids):
        """Put these new articles into the search index; False (and a warning) if it is down."""
        try:
            search.update(ids, bulk=True)
        except search.SearchUnavailable as exc:
            self.stderr.write(
                f"Search index not updated ({exc}); run `manage.py search_index --rebuild`."
            )
            return False
        return True

    def _spec(self, i, now, spacing, sections, bodies):
        rng = random.Random(i)  # noqa: S311 - deterministic demo text, not security
        text = bodies.text
        # A word from the long tail and a place make each headline (nearly) its own.
        title = (
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {text.rare_word(rng)} "
            f"{rng.choice(OBJECTS)} in {text.place(rng)}"
        )
        # Every twenty stories: one in review, one draft and, among the newest
        # SCHEDULED_SPAN, one scheduled (a newsroom schedules a few, not one in twenty
        # of its archive); the newest ten all live.
        slot = i % 20 if i >= 10 else None
        if slot == 3 and i < SCHEDULED_SPAN:
            status, published_at = Article.Status.PUBLISHED, now + timedelta(days=1 + i % 14)
        elif slot == 7:
            status, published_at = Article.Status.REVIEW, None
        elif slot == 13:
            status, published_at = Article.Status.DRAFT, None
        else:
            status, published_at = Article.Status.PUBLISHED, now - spacing * (i + 1)
        lead = {
            "title": title,
            "day": rng.choice(DAYS),
            "count": f"{rng.randint(2, 90) * 1000:,}",
            "story": text.paragraphs(rng),
        }
        body, body_html = bodies.render(i % len(BODIES), lead)
        return Spec(
            title=title,
            slug=f"{_slug(title)}-{i + 1}",
            standfirst=STANDFIRST.format(**lead)[:300],
            body=body,
            body_html=body_html,
            section=sections[i % len(sections)].pk,
            status=status,
            published_at=published_at,
            first_published_at=published_at,
            featured=i % 15 == 0,
            created_at=min(published_at or now, now),
            updated_at=min(published_at or now, now),
        )

    def _links(self, specs, ids, tags, writers):
        """Tag and byline rows of these articles, each with its article's public_since."""
        tag_rows, author_rows = [], []
        for spec in specs:
            article = ids[spec.slug]
            # Article.public_since, from the row's own values (tests check they agree).
            since = spec.published_at if spec.status == Article.Status.PUBLISHED else None
            rng = random.Random(spec.slug)  # noqa: S311
            for tag in rng.sample(tags, rng.randint(2, 4)):
                tag_rows.append((article, tag.pk, since))
            for position, writer in enumerate(rng.sample(writers, 2 if rng.random() < 0.2 else 1)):
                author_rows.append((article, writer.pk, position, since))
        return tag_rows, author_rows

    def _images(self, count):
        """Give the newest demo stories a generated picture, so renditions show."""
        articles = Article.objects.published().filter(featured_image="")[:count]
        for article in articles:
            rng = random.Random(article.slug)  # noqa: S311
            article.featured_image.save(
                f"{article.slug}.jpg", ContentFile(_demo_picture(rng)), save=False
            )
            # Stored sizes spare Django from opening the file on every load.
            article.featured_image_width, article.featured_image_height = DEMO_PICTURE_SIZE
            article.featured_image_alt = f"Illustration for “{article.title}”"
            article.featured_image_credit = "aiblogger demo"
            article.save()


class DemoBodies:
    """Demo bodies and their HTML exactly as render_markdown() gives it, from few renders.

    A body is a template (BODIES) around a lead (LEAD) in which the title, the day,
    the number and the story's plain paragraphs change. Markdown renders each block
    on its own, so each template is rendered once with a mark where the lead goes,
    and the lead once with marks; a body's HTML is then those pieces with its own
    words put in, escaped (a text with characters Markdown may change is rendered
    on its own). Every
    CHECK_EVERY-th body is also rendered in full and compared, so a template or a
    text that breaks the rule stops the seed.
    """

    LEAD_MARK, TITLE_MARK, DAY_MARK, COUNT_MARK, STORY_MARK = (
        "SeedLeadMark", "SeedTitleMark", "SeedDayMark", "SeedCountMark", "SeedStoryMark",
    )  # fmt: skip
    # Text Markdown leaves as it is, but for the apostrophe smart quotes turn into ’.
    PLAIN = re.compile(r"(?:[A-Za-z0-9 ,.]|(?<=[a-z])-(?=[a-z])|(?<=[a-z])'(?= ))*")

    def __init__(self):
        self.text = NewsText()
        self.templates = {}
        self.lead_html = None
        self.count = 0

    def render(self, index, lead):
        """(body, body_html) of template index around lead (LEAD's fields)."""
        self.count += 1
        lead = {"story": "", **lead}
        body = BODIES[index].format(lead=LEAD.format(**lead).rstrip())
        story = "\n".join(
            f"<p>{self._inline(paragraph)}</p>" for paragraph in lead["story"].split("\n\n")
        )
        html = (
            self._template(index)
            .replace(self.LEAD_MARK, self._lead())
            .replace(self.TITLE_MARK, self._inline(lead["title"]))
            .replace(self.DAY_MARK, escape(lead["day"], quote=False))
            .replace(self.COUNT_MARK, escape(lead["count"], quote=False))
            .replace(f"\n<p>{self.STORY_MARK}</p>", "\n" + story if lead["story"] else "")
        )
        if (self.count - 1) % CHECK_EVERY == 0 and html != render_markdown(body):
            raise CommandError(f"The fast Markdown path differs for demo body {index}.")
        return body, html

    def _template(self, index):
        if index not in self.templates:
            html = render_markdown(BODIES[index].format(lead=self.LEAD_MARK))
            mark = f"<p>{self.LEAD_MARK}</p>"
            if html.count(mark) != 1:
                raise CommandError(f"Demo body {index} must start with its lead paragraph.")
            self.templates[index] = html.replace(mark, self.LEAD_MARK)
        return self.templates[index]

    def _lead(self):
        if self.lead_html is None:
            marks = {"day": self.DAY_MARK, "count": self.COUNT_MARK, "story": self.STORY_MARK}
            self.lead_html = render_markdown(LEAD.format(title=self.TITLE_MARK, **marks))
        return self.lead_html

    def _inline(self, text):
        """The HTML of text as one paragraph's content: escaped if plain, else rendered."""
        if self.PLAIN.fullmatch(text):
            return escape(text, quote=False).replace("'", "’")
        html = render_markdown(text)
        return html.removeprefix("<p>").removesuffix("</p>")


class BulkRows:
    """Rows of one model for multi-row INSERTs, prepared as Django's save prepares them.

    Each row gives the fields named; the others take what a new unsaved instance
    saves (defaults, auto_now times), prepared once. Per row, only date-times need
    preparing: strings, numbers, booleans and None go to the driver as they are.
    """

    def __init__(self, model, names):
        self.table = model._meta.db_table
        fields = [field for field in model._meta.local_concrete_fields if not field.primary_key]
        blank = model()
        self.template = [
            field.get_db_prep_save(field.pre_save(blank, add=True), connection) for field in fields
        ]
        self.columns = [field.column for field in fields]
        given = [model._meta.get_field(name) for name in names]
        self.slots = [self.columns.index(field.column) for field in given]
        self.prepare = [
            (slot, field.get_db_prep_save)
            for slot, field in zip(self.slots, given, strict=True)
            if isinstance(field, models.DateTimeField)
        ]

    def row(self, values):
        row = self.template.copy()
        for slot, value in zip(self.slots, values, strict=True):
            row[slot] = value
        for slot, prepare in self.prepare:
            row[slot] = prepare(row[slot], connection)
        return row

    def insert(self, rows):
        quote = connection.ops.quote_name
        names = ", ".join(map(quote, self.columns))
        marks = ", ".join(["%s"] * len(self.columns))
        # Names from the model's own metadata, quoted; the values go as parameters.
        sql = f"INSERT INTO {quote(self.table)} ({names}) VALUES ({marks})"  # noqa: S608
        with connection.cursor() as cursor:
            for start in range(0, len(rows), ROWS_PER_INSERT):
                cursor.executemany(sql, rows[start : start + ROWS_PER_INSERT])


def _ids_by_slug(slugs):
    ids = {}
    for start in range(0, len(slugs), ROWS_PER_INSERT):
        chunk = slugs[start : start + ROWS_PER_INSERT]
        ids.update(Article.objects.filter(slug__in=chunk).values_list("slug", "pk"))
    return ids


@functools.cache
def _slug(title):
    return slugify(title)


def _demo_picture(rng, size=DEMO_PICTURE_SIZE):
    """A soft two-colour gradient with a few shapes: a stand-in for a news photo."""
    top = tuple(rng.randint(40, 200) for _ in range(3))
    bottom = tuple(rng.randint(40, 200) for _ in range(3))
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(size[1]):
        t = y / size[1]
        draw.line(
            [(0, y), (size[0], y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    for _ in range(6):
        x, y, r = rng.randint(0, size[0]), rng.randint(0, size[1]), rng.randint(40, 220)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=(255, 255, 255), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return buffer.getvalue()
