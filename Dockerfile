# syntax=docker/dockerfile:1
# Switchboard server image. Build from the repository root:
#   docker build -t switchboard .
#   docker run -p 8080:8080 -v switchboard-data:/data switchboard
# docs/deploy.md says how it was checked (no container engine ran where it was written).

ARG NODE_VERSION=20

# 1. build: every dependency (TypeScript, esbuild), compile dist/, then drop the dev dependencies.
FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` (a full build) needs the sources, copied below;
# the native modules' install scripts run in the rebuild.
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-web.mjs ./scripts/
COPY src ./src
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && rm -f dist/.tsbuildinfo

# 2. runtime: production dependencies (the optional bus/store drivers included), dist/, no compiler.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
  SWITCHBOARD_DATA_DIR=/data \
  SWITCHBOARD_LOG_FORMAT=json
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The embedded SQLite store lives in /data; with --store postgres://… nothing is written there.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
# The official image's unprivileged user (uid 1000); the code stays owned by root, read-only to it.
USER node
EXPOSE 8080
# SIGTERM drains: the node stops accepting, lets in-flight commands finish (up to
# SWITCHBOARD_SHUTDOWN_TIMEOUT, 10 s by default), then closes every client with 4000 so the SDK
# reconnects elsewhere and resumes. Give `docker stop -t` / stop_grace_period more than that.
STOPSIGNAL SIGTERM
# /healthz answers 200 while the process serves HTTP (/readyz also checks the bus and store).
# Node's own fetch: the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/cli/main.js", "serve"]
