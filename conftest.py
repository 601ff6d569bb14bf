import pytest
from django.conf import settings


def pytest_report_header(config):
    return f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"


def pytest_sessionstart(session):
    engine = settings.DATABASES["default"]["ENGINE"]
    if getattr(settings, "TEST_REQUIRE_MYSQL", False) and "mysql" not in engine:
        raise pytest.UsageError(
            f"TEST_REQUIRE_MYSQL is set but DATABASE_URL points at {engine}; "
            "refusing to fall back silently."
        )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache, so cached pages never leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def deliver_mail(db, django_capture_on_commit_callbacks, monkeypatch):
    """Run the mail queue as the task worker does (aiblogger/mail.py); returns a callable.

    Tasks may queue mail in turn (a reset prepares its message): run until none do.
    The worker runs inside the test's transaction, so it must not close the
    connection between tasks as it does in service (MariaDB would lose the test's rows).
    """
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        for _ in range(5):
            with django_capture_on_commit_callbacks(execute=True) as queued:
                call_command(
                    "db_worker", "--batch", "--no-startup-delay", "--queue-name", "mail",
                    "--interval", "0", verbosity=0,
                )  # fmt: skip
            if not queued:
                return

    return run


@pytest.fixture
def contributor(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(role="Contributor")


@pytest.fixture
def author(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(role="Author")


@pytest.fixture
def editor(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(role="Editor")


@pytest.fixture
def newsroom(db):
    """A section, two tags, two authors, one live story by both, and unpublished ones."""
    from accounts.tests.factories import UserFactory
    from articles.tests.factories import ArticleFactory, SectionFactory, TagFactory

    section = SectionFactory(name="Politics", slug="politics")
    tags = [TagFactory(name="Elections", slug="elections"), TagFactory(name="Housing & Homes")]
    lead = UserFactory(role="Author", display_name="Amara Okafor")
    second = UserFactory(role="Author", display_name="Jonas Lindqvist")
    story = ArticleFactory(
        published=True,
        title="Council <approves> budget & tram line",
        standfirst="The vote was close.",
        body="The council **approved** the budget.\n\n<script>alert(1)</script>",
        section=section,
        authors=[lead, second],
        tags=tags,
    )
    draft = ArticleFactory(title="Secret draft", section=section, authors=[lead], tags=tags)
    scheduled = ArticleFactory(
        scheduled=True, title="Tomorrow's story", section=section, authors=[lead], tags=tags
    )
    return {
        "section": section,
        "tags": tags,
        "lead": lead,
        "second": second,
        "story": story,
        "draft": draft,
        "scheduled": scheduled,
    }


@pytest.fixture
def client_for(client):
    """Log the test client in as the given user and return it."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


@pytest.fixture(scope="session", autouse=True)
def _search_engine(tmp_path_factory):
    """The real search engine: on MariaDB a searchd of the session's own (articles.search),
    on SQLite the FTS5 table in the test database. SEARCH_URL, when set, names one."""
    import os
    import socket

    from django.db import connection

    from articles.search import sphinx

    if connection.vendor != "mysql" or settings.SEARCH_URL:
        yield settings.SEARCH_URL
        return
    with socket.socket() as probe:  # TEST_SEARCHD_PORT, else a free port on loopback
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", int(os.environ.get("TEST_SEARCHD_PORT", "0"))))
        port = probe.getsockname()[1]
    searchd = sphinx.LocalSearchd(tmp_path_factory.mktemp("searchd"), port).start()
    settings.SEARCH_URL = searchd.url
    yield searchd
    searchd.stop()


@pytest.fixture(autouse=True)
def _empty_search_index(request, _search_engine):
    """Each test starts with an empty search index. The engine's is emptied; the FTS5
    table too where a test commits (a flush empties only the models' tables)."""
    from articles import search

    backend = search.backend()
    marker = request.node.get_closest_marker("django_db")
    if not backend.transactional:
        backend.clear()
    elif (marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        backend.clear()
