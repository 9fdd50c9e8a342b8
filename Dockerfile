# syntax=docker/dockerfile:1
# Peacetalks Briefing API. Build: docker build -t peacetalks-briefing .
# Run:   docker run --rm -p 8000:8000 peacetalks-briefing
# The project is not pip-installed: the app finds migrations/ and seeds/ next to the `app` package
# (Path(app.__file__).parent.parent), so the source tree lives at /srv/briefing on PYTHONPATH.

# ---- builder: the locked runtime dependencies in /opt/venv, and the byte-compiled source ----
FROM python:3.11.14-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN python -m venv /opt/venv
COPY requirements/runtime.lock /tmp/runtime.lock
# Every package is pinned with its hashes; --no-deps so nothing outside the lock gets in.
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes --no-deps -r /tmp/runtime.lock

WORKDIR /srv/briefing
COPY pyproject.toml ./
COPY app/ app/
COPY migrations/ migrations/
COPY seeds/ seeds/
COPY scripts/docker-entrypoint.sh scripts/docker-entrypoint.sh
# Byte-compile now (the tree is read-only at run time), then make it read-only: dirs 0555, files 0444.
RUN /opt/venv/bin/python -m compileall -q --invalidation-mode checked-hash app migrations \
    && find /srv/briefing -type d -exec chmod 0555 {} + \
    && find /srv/briefing -type f -exec chmod 0444 {} + \
    && chmod 0555 scripts/docker-entrypoint.sh

# ---- runtime ----
FROM python:3.11.14-slim-bookworm

LABEL org.opencontainers.image.title="Peacetalks Briefing API" \
      org.opencontainers.image.licenses="MIT"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/srv/briefing \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BRIEFING_DATA_DIR=/var/lib/briefing \
    HOST=0.0.0.0 \
    PORT=8000

# An unprivileged user; the only place it can write is the data directory (the SQLite file).
RUN groupadd --system --gid 10001 briefing \
    && useradd --system --no-log-init --uid 10001 --gid 10001 \
       --home-dir /var/lib/briefing --no-create-home --shell /usr/sbin/nologin briefing \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/briefing

# Copied as root: the code and the virtualenv are not writable by the user that runs them.
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /srv/briefing /srv/briefing

WORKDIR /srv/briefing
USER 10001:10001
VOLUME ["/var/lib/briefing"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"]

# Migrate, seed (a no-op when unchanged), then exec the server; any arguments run instead.
ENTRYPOINT ["/srv/briefing/scripts/docker-entrypoint.sh"]
