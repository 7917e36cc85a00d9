# Production image of the Kalliola strategy tracker: gunicorn serves the app (and, through
# WhiteNoise, its static files); the same image runs the Celery worker and beat.
#
#   docker build -t kalliola .
#
# docker-compose.yml runs the whole stack. Configuration comes from the environment at run
# time (see kalliola/settings.py); nothing secret is baked into the image.

# --- Stage 1: the virtual environment, built by uv from uv.lock ----------------------------
FROM python:3.13-slim AS venv

ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"

# Use the image's Python (never download one), install into /app/.venv, copy files instead
# of hard-linking and compile bytecode ahead of time. The runtime stage has the same Python
# at the same path, so the venv works there unchanged.
ENV UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1

WORKDIR /app
# Only the lock and the project metadata: this layer is rebuilt when dependencies change,
# not on every code change.
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project

# --- Stage 2: the runtime image (no uv, no build tools) ------------------------------------
FROM python:3.13-slim

# gunicorn reads WEB_CONCURRENCY as its default for --workers: 3 suits a 2-core machine
# ((2 x cores) + 1 is the usual rule for sync workers); override it in the environment.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    WEB_CONCURRENCY=3

# The app runs as an unprivileged user. It gets a home directory because gunicorn keeps its
# control socket in ~/.gunicorn; /var/lib/kalliola holds Celery beat's schedule file.
RUN groupadd --system --gid 1000 kalliola \
    && useradd --system --uid 1000 --gid kalliola --create-home --home-dir /home/kalliola \
        --shell /usr/sbin/nologin kalliola \
    && install --directory --owner kalliola --group kalliola /var/lib/kalliola /var/lib/kalliola/beat

WORKDIR /app
COPY --from=venv /app/.venv /app/.venv
COPY . .

# Compile the translations and collect the static files into STATIC_ROOT (/app/staticfiles)
# with DEBUG off, so the hashed manifest that CompressedManifestStaticFilesStorage reads at
# run time is built here. Settings refuse to load without a SECRET_KEY when DEBUG is off:
# this one exists only for these two commands and is not kept in the image's environment.
RUN export DEBUG=false SECRET_KEY=build-only-not-a-secret-never-used-at-run-time \
    && python manage.py compiletranslations \
    && python manage.py collectstatic --no-input

USER kalliola:kalliola

EXPOSE 8000

# Access log to stdout, error log to stderr. The worker heartbeat files go to /dev/shm
# (tmpfs), as /tmp in a container may be on a slow overlay disk.
CMD ["gunicorn", "kalliola.wsgi", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--error-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm"]
