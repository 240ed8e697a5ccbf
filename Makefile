# Two commands: `make run` (development server with the demo county) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := DEBUG=1
TEST_ENV := DJANGO_SETTINGS_MODULE=tests.settings

.PHONY: run test install lint messages worker worker-email beat clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo --if-empty
	@echo "Serving on http://127.0.0.1:8000 (development mode: SQLite unless DATABASE_URL is set, tasks in-process unless REDIS_URL is set)"
	@# The periodic work (reminders, digests, the outbox sweep) beside the server, ended with it (run_periodic).
	@$(DEV_ENV) $(BIN)/python manage.py run_periodic & periodic=$$!; \
	trap 'kill $$periodic 2>/dev/null; wait $$periodic 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .

test: install lint
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/pytest

# Translators: needs GNU gettext; the compiled .mo files are committed so nothing else does.
messages: install
	$(DEV_ENV) $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=staticfiles
	$(DEV_ENV) $(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

# Production runs each as a service (README "Workers"): notices, SMS and the periodic jobs; email on its own queue, so a
# slow mail server holds up nothing else; beat, its schedule file where it survives a redeploy.
CELERY_QUEUE ?= celery
BEAT_SCHEDULE ?= celerybeat-schedule

worker: install
	$(BIN)/celery -A consult_portal worker -Q $(CELERY_QUEUE) -n main@%h -l info

worker-email: install
	$(BIN)/celery -A consult_portal worker -Q $(CELERY_QUEUE)-email -n email@%h -l info

beat: install
	$(BIN)/celery -A consult_portal beat -s $(BEAT_SCHEDULE) -l info

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
