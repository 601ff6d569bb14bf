# Entry points for people and CI alike. `make run` and `make test` are the two that matter.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
SYSTEM_PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test test-mysql lint format migrations-check deploy-check docker-check monitoring-check stack-test image-test bench bench-peers bench-saves bench-newswire bench-search explain deploy-test cluster-test clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# pip names each package as it goes (the first install takes minutes); later
# runs skip this step until a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@echo "make install: Python packages into $(VENV) (a few minutes the first time)"
	test -d $(VENV) || $(SYSTEM_PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --progress-bar off -r requirements-dev.txt \
	  | grep --line-buffered -E '^(Collecting|Building wheel|Installing collected|Successfully installed|ERROR)' ; \
	  test $${PIPESTATUS[0]} -eq 0
	touch $@

install: $(VENV)/.installed ## Create the virtualenv and install every dependency

run: install ## Serve the site on SQLite with demo content at http://127.0.0.1:8000
	mkdir -p var
	$(PY) manage.py migrate --noinput
	HOST=$(HOST) PORT=$(PORT) $(PY) manage.py seed_demo
	@echo "make run: the task worker (newswire polls and assistance, mail to this console) runs beside the server"
	$(PY) manage.py db_worker --queue-name default,mail & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  HOST=$(HOST) PORT=$(PORT) $(PY) manage.py runserver $(HOST):$(PORT)

test: install ## Run the whole test suite (MariaDB when DATABASE_URL says so, else SQLite)
	$(VENV)/bin/pytest

test-mysql: install ## The whole suite against a throwaway MariaDB of its own (needs mariadb-server, no login)
	PY=$(PY) bash scripts/test-mysql.sh $(PYTEST_ARGS)

lint: install ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: install ## Fail when a model change has no migration
	$(PY) manage.py makemigrations --check --dry-run

deploy-check: install ## `check --deploy` with production settings and a realistic environment
	DJANGO_SETTINGS_MODULE=aiblogger.settings.prod \
	DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=news.example.com \
	DJANGO_CSRF_TRUSTED_ORIGINS=https://news.example.com \
	SITE_URL=https://news.example.com \
	DATABASE_URL=mysql://aiblogger:secret@127.0.0.1:3306/aiblogger \
	SEARCH_URL=sphinx://127.0.0.1:9306/articles \
	$(PY) manage.py check --deploy --fail-level WARNING

docker-check: ## Validate docker-compose.yml (no Docker engine is needed)
	docker compose config --quiet 2>/dev/null || docker-compose config --quiet

monitoring-check: install ## promtool/amtool checks, alert rule unit tests, dashboards' metric names
	$(VENV)/bin/pytest -q tests/test_monitoring_rules.py tests/test_dashboards.py

stack-test: install ## gunicorn + Nginx + MariaDB on loopback, checked over real HTTP(S)
	bash scripts/stack-test.sh

image-test: install ## Build the Dockerfile's default and web targets with buildah and run them under systemd-nspawn
	bash scripts/image-test.sh

bench: install ## Load-test the real stack, time the admin lists at 1M articles, write the tables
	bash scripts/bench.sh
	$(PY) scripts/bench_admin_lists.py

bench-peers: install ## aiblogger beside a minimal Wagtail site on the same articles
	bash scripts/bench.sh bench_peers.py

bench-search: install ## Search engines side by side and search's completeness at BENCH_SIZE articles (DATABASE_URL: MariaDB)
	nice -n 10 $(PY) scripts/bench_search.py $(BENCH_SEARCH_ARGS)

bench-saves: install ## 1 and 8 editors saving at once on MariaDB (DATABASE_URL; edits its articles)
	$(PY) scripts/bench_saves.py

bench-newswire: install ## Poll 500 loopback feeds (< 60 s), re-poll (304s only); assist 10,000 long items (< 120 s, < 400 MB)
	$(PY) scripts/bench_newswire.py

explain: install ## Seed 100,000 articles into MariaDB and check the list queries' plans
	PY=$(PY) bash scripts/explain-check.sh

deploy-test: install ## Converge a systemd-nspawn Debian host with Ansible and check it
	bash scripts/deploy-test.sh

cluster-test: install ## Converge a five-host systemd-nspawn cluster with Ansible and check it through HAProxy
	bash scripts/cluster-test.sh

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var
