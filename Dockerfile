# Haki's image: `python bot.py run` (long polling) as a non-root user, the database in /data.
#   docker build -t haki .
#   docker run -e TELEGRAM_BOT_TOKEN=... -e HAKI_SECRET_KEY=... -v haki-data:/data haki
# or, better, the key as a secret file (docs/deploy.md has a Compose example):
#   HAKI_SECRET_KEY_FILE=/run/secrets/haki_secret_key
# tests/test_docker.py lints this file with hadolint and runs its CMD and HEALTHCHECK outside a
# container, from a folder holding only what the COPY lines copy.

# A fixed Python release on a fixed Debian release; the tag still gets Debian's security
# rebuilds. At a release, pin the digest too, read on a machine that reaches Docker Hub with
# `docker buildx imagetools inspect python:3.11.14-slim-trixie`, so a rebuild gets exactly
# the tested base image (then bump it with each release, or it ages without security fixes).
FROM python:3.11.14-slim-trixie

# MPLCONFIGDIR: matplotlib (/stats) caches its fonts there; the non-root user cannot write /app.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HAKI_DATA_DIR=/data \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app

# Runtime dependencies only, the whole tree pinned and checked against its hashes
# (requirements.lock, made by ./dev lock); the test tools stay out.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

# What `python bot.py run` needs; not tests/, sandbox/ (the offline demo's), bench/ or docs/.
# The code stays owned by root: the bot cannot change itself.
COPY bot.py ./
COPY app ./app
COPY bot ./bot
COPY handlers ./handlers
COPY content ./content

# A fixed uid/gid, so the owner of a bind-mounted data folder can be set on the host to match.
RUN groupadd --system --gid 10001 haki \
    && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin haki \
    && mkdir /data \
    && chown 10001:10001 /data \
    && chmod 700 /data
VOLUME ["/data"]
USER 10001:10001

# Content loads and checks, the database opens read-only, passes quick_check and has a schema
# this Haki knows (app/health.py). Unhealthy until the bot's first start has created the database.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s CMD ["python", "bot.py", "health"]

# The bot stops cleanly (exit 0) on SIGTERM, which `docker stop` sends.
CMD ["python", "bot.py", "run"]
