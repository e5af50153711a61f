# Platina container image.
#
#   docker build -t platina .
#
# Three stages: the SPA is built with Node, the `platina` binary with Rust, and both are copied
# into a small Debian runtime that runs as an unprivileged user. docker-compose.yml uses this file.

# --- 1. Web: Vite + React SPA -> web/dist --------------------------------------------------------
FROM node:20-bookworm-slim AS web
# The image never runs browser tests; do not let any package fetch a browser while installing.
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
WORKDIR /build/web
# Dependencies first, so they stay cached while only the sources change.
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
# The committed OpenAPI document sits next to web/ exactly as in the repository.
COPY openapi/ /build/openapi/
RUN npm run build

# --- 2. Server: the `platina` binary ------------------------------------------------------------
FROM rust:1.95-bookworm AS server
WORKDIR /build
# The whole workspace (filtered by .dockerignore): every member manifest, the lock file, and the
# files compiled into the binary such as config/default.toml.
COPY . .
RUN cargo build --release --locked -p platina-server \
 && install -m 0755 target/release/platina /usr/local/bin/platina

# --- 3. Runtime ---------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
# ca-certificates for TLS to external services; curl only for the health check in docker-compose.yml.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 platina \
 && useradd --system --uid 10001 --gid platina --home-dir /srv/platina --shell /usr/sbin/nologin platina \
 && mkdir -p /srv/platina/web /srv/platina/config /srv/platina/data \
 && chown platina:platina /srv/platina/data

COPY --from=server /usr/local/bin/platina /usr/local/bin/platina
COPY --from=web /build/web/dist /srv/platina/web/dist
# For reference only: the same defaults are built into the binary.
COPY config/default.toml /srv/platina/config/default.toml

WORKDIR /srv/platina
# Listen on all interfaces inside the container and serve the SPA built above. Everything else
# (database URL, JWT secret, log format…) comes from PLATINA__SECTION__KEY variables at run time.
# Without PLATINA__DATABASE__URL the default SQLite file data/platina.db is used, i.e.
# /srv/platina/data/platina.db, which the platina user may write (mount a volume there to keep it).
ENV PLATINA__SERVER__BIND=0.0.0.0:8080 \
    PLATINA__SERVER__WEB_DIST=/srv/platina/web/dist

USER platina:platina
EXPOSE 8080
# No HEALTHCHECK here: docker-compose.yml checks /readyz with curl.
CMD ["platina", "serve"]
