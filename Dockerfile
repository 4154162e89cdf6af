# ClusterBot: `clusterbot run` (adapters, scheduler, HTTP server) as an unprivileged user.
# Build: docker build -t clusterbot .   Run several with compose.yaml (PostgreSQL + two processes).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Inside a container the server must listen beyond loopback; the port is published by the host.
    CLUSTERBOT_HTTP_HOST=0.0.0.0 \
    CLUSTERBOT_HTTP_PORT=8080

RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home --shell /usr/sbin/nologin clusterbot

# Installed as the README says, from the checkout (.dockerignore keeps tests, databases and .env out).
COPY . /src
RUN pip install /src && rm -rf /src

USER clusterbot
# The working folder: a SQLite database (the default CLUSTERBOT_DATABASE_URL) lives here; mount a volume.
WORKDIR /data
VOLUME /data
EXPOSE 8080

# Liveness only: /readyz also depends on the database and the platforms, which a restart would not fix.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('CLUSTERBOT_HTTP_PORT', '8080'), timeout=4)"]

ENTRYPOINT ["clusterbot"]
CMD ["run"]
