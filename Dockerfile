# Hearth's web image: daphne serving the ASGI application, one process per container.
# Build: docker compose build (see docs/deploy.md). Runs as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HEARTH_STATIC_ROOT=/app/staticfiles

RUN groupadd --system hearth \
    && useradd --system --gid hearth --home-dir /app --no-create-home --shell /usr/sbin/nologin hearth

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them: `pip install .` of the
# project's metadata with empty packages, then the project itself is dropped again: the code runs
# from /app (with its data files, templates and lexicons), not from site-packages.
COPY pyproject.toml README.md ./
RUN mkdir -p server rooms moderation frontend \
    && touch server/__init__.py rooms/__init__.py moderation/__init__.py frontend/__init__.py \
    && pip install . \
    && pip uninstall --yes hearth \
    && rm -rf server rooms moderation frontend build *.egg-info

COPY . .
# The manifest of hashed static files is built here, with throwaway settings: collectstatic reads
# no database and no secret, but production settings refuse to load without them.
RUN DJANGO_ENV=production SECRET_KEY=collectstatic-only-not-a-secret ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --no-input --verbosity 0 \
    && chown -R hearth:hearth /app/staticfiles

USER hearth
EXPOSE 8000

# Access log off (Hearth records no IP address). --proxy-headers takes the client's address from
# nginx's X-Forwarded-For: the flood limits count per address (a daily-keyed hash, memory only).
CMD ["python", "-m", "server.serve", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers"]
