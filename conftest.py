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
def client_for(client):
    """Log the test client in as the given user and return it."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login
