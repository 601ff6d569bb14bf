# syntax=docker/dockerfile:1
# aiblogger's production images: gunicorn serving the Django app, static files
# collected at build time. The build stages compile mysqlclient into a
# virtualenv; the runtime stages carry only the MariaDB/MySQL client library.
# docker-compose.yml puts Nginx (nginx/aiblogger.conf.j2) in front of it.
#
# Two targets of the app (and `search`, the search engine for docker-compose.yml):
# - `runtime` (the default, last stage): everything, for the task worker and
#   the commands (`manage.py db_worker`, `refresh_assist`);
# - `web` (`--target web`): the same app without the machine assistance's model
#   and numeric libraries (wordllama, numpy, py3langid: the lines of
#   requirements.txt from "# Machine assistance" on), which gunicorn never
#   imports; about 170 MB smaller.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build-tools
# Any Debian base with python3 and its venv module works: python:3.11-slim, or the
# plain Debian 12 base `make image-test` builds from. Python's headers come from
# Debian only when the base lacks them (python:*-slim ships its own).
RUN python3 -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(sysconfig.get_paths()["include"] + "/Python.h"))' \
      || dev=python3-dev; \
    apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config default-libmysqlclient-dev $dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY requirements.txt ./
# The web requirements: requirements.txt up to its machine-assistance block.
RUN sed '/^# Machine assistance/,$d' requirements.txt > requirements-web.txt \
 && ! grep -qiE '^(wordllama|numpy|py3langid)' requirements-web.txt

# The virtualenvs are built here, at the path the runtime uses, and copied whole:
# the runtime stages never see a compiler, a wheel or pip.
FROM build-tools AS build-web
RUN python3 -m venv /app/.venv \
 && /app/.venv/bin/pip install --no-cache-dir -r requirements-web.txt \
 && /app/.venv/bin/pip uninstall --yes --quiet pip setuptools

FROM build-tools AS build
RUN python3 -m venv /app/.venv \
 && /app/.venv/bin/pip install --no-cache-dir -r requirements.txt \
 && /app/.venv/bin/pip uninstall --yes --quiet pip setuptools

# The search engine docker-compose.yml runs (`--target search`): Debian's Sphinx
# searchd and nothing else. Its configuration is rendered by compose's setup
# (scripts/stack_docker.py) from articles/search/sphinx.conf.j2, the template the
# Ansible role and the tests render; its index is rebuilt from the database.
FROM debian:bookworm-slim AS search
RUN apt-get update \
 && apt-get install -y --no-install-recommends sphinxsearch \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/sphinxsearch/data /var/log/sphinxsearch /run/sphinxsearch \
 && chown sphinxsearch:sphinxsearch /var/lib/sphinxsearch/data /var/log/sphinxsearch \
      /run/sphinxsearch
USER sphinxsearch
EXPOSE 9306
CMD ["searchd", "--config", "/etc/aiblogger-search/sphinx.conf", "--nodetach"]

FROM ${PYTHON_IMAGE} AS runtime-base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=aiblogger.settings.prod \
    GUNICORN_BIND=0.0.0.0:8000 \
    STATIC_ROOT=/app/var/static \
    MEDIA_ROOT=/srv/aiblogger/media
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmariadb3 openssl \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin aiblogger \
 && mkdir -p /srv/aiblogger/media /run/aiblogger \
 && chown aiblogger:aiblogger /srv/aiblogger/media /run/aiblogger
WORKDIR /app

# The two targets differ only in the virtualenv they copy; the rest is the same lines.
FROM runtime-base AS web
COPY --from=build-web /app/.venv /app/.venv
# The code stays root-owned: the app can write only media and its socket.
COPY . /app
# Static files are part of the image. The settings need no database for this,
# and the key is a throwaway: the container gets the real one at run time.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    DJANGO_CSRF_TRUSTED_ORIGINS=https://localhost \
    SITE_URL=https://localhost \
    DATABASE_URL=sqlite:////tmp/unused.sqlite3 \
    python manage.py collectstatic --noinput \
 && rm -f /tmp/unused.sqlite3
USER aiblogger
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "scripts/stack_docker.py", "health"]
ENTRYPOINT ["python", "scripts/stack_docker.py", "run", "--"]
CMD ["gunicorn", "-c", "gunicorn.conf.py"]

FROM runtime-base AS runtime
COPY --from=build /app/.venv /app/.venv
COPY . /app
RUN DJANGO_SECRET_KEY=collectstatic-only-not-secret \
    DJANGO_ALLOWED_HOSTS=localhost \
    DJANGO_CSRF_TRUSTED_ORIGINS=https://localhost \
    SITE_URL=https://localhost \
    DATABASE_URL=sqlite:////tmp/unused.sqlite3 \
    python manage.py collectstatic --noinput \
 && rm -f /tmp/unused.sqlite3
USER aiblogger
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "scripts/stack_docker.py", "health"]
ENTRYPOINT ["python", "scripts/stack_docker.py", "run", "--"]
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
