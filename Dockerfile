# syntax=docker/dockerfile:1
# One image recipe for every app: the whole monorepo is built once (BuildKit shares the build stage
# between apps) and APP only picks which entry point the final image runs.
#   docker build --build-arg APP=delivery -t mail-platform/delivery:latest .

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# npm ci needs the lock file and every workspace manifest; copying the tree (trimmed by .dockerignore)
# is simpler than listing each workspace and the build needs the sources right after anyway.
COPY . .
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
RUN npm run build
# Dev dependencies (TypeScript, Nx, ESLint, test servers) have no business in the runtime image.
RUN npm prune --omit=dev --no-audit --no-fund \
 && find apps libs -name '*.tsbuildinfo' -delete

FROM ${NODE_IMAGE} AS runtime
ARG APP=smtp-in
# tini reaps zombies and forwards SIGTERM so the service's graceful drain runs on `docker stop`
# and on pod termination instead of being killed after the grace period.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    APP=${APP} \
    BIND_HOST=0.0.0.0 \
    HTTP_PORT=9090
WORKDIR /app
COPY --from=build --chown=root:root /src/package.json /src/package-lock.json ./
COPY --from=build --chown=root:root /src/node_modules ./node_modules
COPY --from=build --chown=root:root /src/libs ./libs
COPY --from=build --chown=root:root /src/apps ./apps
COPY --chown=root:root deploy/docker/healthcheck.cjs deploy/docker/dev-tls-cert.cjs /usr/local/lib/mail/
# The one place the process may write: a named volume mounted here inherits this ownership, which lets
# the compose init job drop a development certificate in it.
RUN mkdir -p /etc/mail/tls && chown node:node /etc/mail/tls
# Files stay root-owned and read-only to the process; it writes nothing to the image (blobs go to S3,
# metadata to Postgres), which is what lets Kubernetes run it with readOnlyRootFilesystem.
USER node
EXPOSE 9090
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/usr/local/lib/mail/healthcheck.cjs"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# Shell only to expand $APP at run time (so one image can also run another app with -e APP=...);
# exec hands PID 2 to node so tini's signals reach it.
CMD ["/bin/sh", "-c", "exec node \"apps/${APP}/dist/main.js\""]
