# syntax=docker/dockerfile:1
# podgate container image. Three stages:
#   build   compiles src/ to dist/ with the dev dependencies (tsc) and native addons;
#   deps    installs the production dependencies only (npm ci --omit=dev), building the
#           native addons (ssh2's crypto binding, cpu-features) with python3, make and g++;
#   runtime Debian slim + Node 24 (the exact version the test suite runs on: .ci/run sources
#           scripts/use-node24.sh, which pins the same one) + tini, compiled JS only. The
#           emulator, the demo and the test helpers are not compiled (tsconfig.build.json).
# The runtime runs as a numeric non-root user and writes nothing outside mounted paths:
# /etc/podgate (config, read-only), /etc/podgate/host-keys (Secret), /var/lib/podgate
# (stateDir, the reaper's journal) and /tmp. It works with a read-only root filesystem.
# Not built on the machine podgate was developed on (no Docker engine there): see docs/deploy.md.

# The official node image, pinned by digest (the multi-arch index of node:24.18.0-bookworm-slim,
# as pinned by public projects; not pulled on the machine podgate is developed on, which has no
# Docker engine: see docs/deploy.md for how to check it and how to move to a newer one).
ARG NODE_VERSION=24.18.0
ARG DEBIAN_RELEASE=bookworm
ARG NODE_DIGEST=sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim@${NODE_DIGEST} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

FROM toolchain AS build
# Install scripts must run: ssh2, cpu-features, node-pty and esbuild build or fetch binaries
# (node-pty is a dev dependency: only the emulator uses it).
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsc -p tsconfig.build.json: the product's src/**/*.ts -> dist/**/*.js (tests, the emulator,
# the demo and the test helpers left out). Files the code reads next to itself
# (new URL('x.yaml', import.meta.url)) are not TypeScript: copy each non-.ts, non-.md file of
# src/ whose directory was compiled to the same place under dist/ (so no emulator fixture).
RUN npm run build \
 && cd src && find . -type f ! -name '*.ts' ! -name '*.md' \
      -exec sh -c 'for f; do [ -d "../dist/${f%/*}" ] && cp --parents -t ../dist "$f"; done; true' sh {} +

FROM toolchain AS deps
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim@${NODE_DIGEST} AS runtime
# tini is PID 1: it forwards SIGTERM to node (podgate drains sessions on SIGTERM for
# limits.shutdownGraceSeconds) and reaps any zombie a child process leaves.
# libjemalloc2: podgate runs on jemalloc (LD_PRELOAD below). Under glibc's malloc, the memory of
# thousands of short-lived TLS connections (one per exec) stays in the process after it is
# freed: in the hostile-users bench RSS stayed ~270 MiB above its baseline a minute after the
# attack (malloc_trim gave ~230 MiB of it back); on jemalloc it came back to ~+100 MiB, the
# V8 heap's own growth (docs/performance.md). The symlink gives one path on every architecture.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini libjemalloc2 \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s "$(dpkg -L libjemalloc2 | grep '/libjemalloc\.so\.2$')" /usr/local/lib/libjemalloc.so.2 \
 && groupadd --gid 10001 podgate \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/podgate --no-create-home \
            --shell /usr/sbin/nologin podgate \
 && mkdir -p /etc/podgate/host-keys /var/lib/podgate \
 && chown 10001:10001 /var/lib/podgate
ENV NODE_ENV=production
# jemalloc's background thread returns freed pages after dirty_decay_ms even when podgate is idle.
ENV LD_PRELOAD=/usr/local/lib/libjemalloc.so.2 \
    MALLOC_CONF=background_thread:true
WORKDIR /app
# Owned by root and read-only to the podgate user: the process cannot change its own code.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 10001:10001
# 2222: SSH. 9090: /metrics, /healthz, /readyz (metrics.listen; the chart sets 0.0.0.0:9090).
EXPOSE 2222 9090
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/main.js"]
CMD ["serve", "--config", "/etc/podgate/config.yaml"]

# What runs (OCI image labels; podgate --version and podgate_build_info read the commit from
# PODGATE_COMMIT). Build with: --build-arg VERSION=$(node -p "require('./package.json').version")
# --build-arg REVISION=$(git rev-parse HEAD)
ARG VERSION=0.1.0
ARG REVISION=unknown
ENV PODGATE_COMMIT=${REVISION}
LABEL org.opencontainers.image.title="podgate" \
      org.opencontainers.image.description="An SSH bastion for Kubernetes: ssh USER+POD@bastion lands in the pod, RBAC decides." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/podgate/podgate" \
      org.opencontainers.image.licenses="Apache-2.0"
