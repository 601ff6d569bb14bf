"""Fill the database with a realistic demo newsroom; safe to run again."""

import io
import os
import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw
from tqdm import tqdm

from accounts.models import User
from articles.markdown import render_markdown
from articles.models import Article, ArticleAuthor, ArticleTag, Section, Tag
from articles.pagecache import invalidate_public_pages

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
DEMO_PICTURE_SIZE = (1600, 900)
BATCH = 2000


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
            user.set_password(password)
            user.save(update_fields=["password"])
            if role:
                user.groups.add(Group.objects.get(name=role))
            people.append((user, role))
        return people

    def _articles(self, total, sections, tags, writers):
        """Create demo articles 0..total-1 that do not exist yet, in bulk batches."""
        now = timezone.now()
        # Spread a big archive over more time so it looks like years of news.
        spacing = timedelta(minutes=max(20, 3 * 365 * 24 * 60 // max(total, 1)))
        bodies_html = {}
        created = 0
        progress = tqdm(
            total=total,
            desc="articles",
            unit="art",
            disable=total < BATCH or self.verbosity == 0,
            file=self.stderr._out,
        )
        for start in range(0, total, BATCH):
            specs = [
                self._spec(i, now, spacing, sections)
                for i in range(start, min(total, start + BATCH))
            ]
            existing = set(
                Article.objects.filter(slug__in=[s["slug"] for s in specs]).values_list(
                    "slug", flat=True
                )
            )
            specs = [s for s in specs if s["slug"] not in existing]
            with transaction.atomic():
                objs = []
                for spec in specs:
                    key = (spec.pop("body_index"), spec["lead"])
                    if key not in bodies_html:
                        body = BODIES[key[0]].format(lead=key[1])
                        bodies_html[key] = (body, render_markdown(body))
                    spec["body"], spec["body_html"] = bodies_html[key]
                    del spec["lead"]
                    objs.append(Article(**spec))
                Article.objects.bulk_create(objs, batch_size=500)
                if objs and objs[0].pk is None:  # backends that cannot return ids
                    ids = dict(
                        Article.objects.filter(slug__in=[o.slug for o in objs]).values_list(
                            "slug", "pk"
                        )
                    )
                    for obj in objs:
                        obj.pk = ids[obj.slug]
                self._links(objs, tags, writers)
            created += len(objs)
            progress.update(min(BATCH, total - start))
        progress.close()
        return created

    def _spec(self, i, now, spacing, sections):
        rng = random.Random(i)  # noqa: S311 - deterministic demo text, not security
        title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        # Every twenty stories: one scheduled, one in review, one draft; the newest all live.
        slot = i % 20 if i >= 10 else None
        if slot == 3:
            status, published_at = Article.Status.PUBLISHED, now + timedelta(days=1 + i % 14)
        elif slot == 7:
            status, published_at = Article.Status.REVIEW, None
        elif slot == 13:
            status, published_at = Article.Status.DRAFT, None
        else:
            status, published_at = Article.Status.PUBLISHED, now - spacing * (i + 1)
        lead = (
            f"{title}, officials confirmed on {rng.choice(['Monday', 'Tuesday', 'Thursday'])}. "
            f"The decision affects about {rng.randint(2, 90) * 1000:,} people."
        )
        return {
            "title": title,
            "slug": f"{slugify(title)}-{i + 1}",
            "standfirst": lead[:300],
            "lead": lead,
            "body_index": i % len(BODIES),
            "section": sections[i % len(sections)],
            "status": status,
            "published_at": published_at,
            "first_published_at": published_at,
            "featured": i % 15 == 0,
        }

    def _links(self, articles, tags, writers):
        tag_links, author_links = [], []
        for article in articles:
            rng = random.Random(article.slug)  # noqa: S311
            for tag in rng.sample(tags, rng.randint(2, 4)):
                tag_links.append(ArticleTag.build(article, tag=tag))
            for position, writer in enumerate(rng.sample(writers, 2 if rng.random() < 0.2 else 1)):
                author_links.append(ArticleAuthor.build(article, author=writer, position=position))
        ArticleTag.objects.bulk_create(tag_links, batch_size=1000)
        ArticleAuthor.objects.bulk_create(author_links, batch_size=1000)

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
