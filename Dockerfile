# The API and its web app on Node, built and started as README § "Container" says (the test
# test/container.test.ts checks this file against the README and package.json).
# The base image is an argument so a local mirror or a pinned digest can be used.
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Build the web app (web/dist) and the server bundle (dist/server) with the full dev toolchain.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build:web
RUN npm run build:server

# 2. Only what the server needs at run time.
FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

# 3. The image: the server bundle (its native libSQL binding comes from node_modules), migrations, the built web app.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist/server ./dist/server
COPY drizzle ./drizzle
COPY --from=build /app/web/dist ./web/dist
# The libSQL file lives in /app/data (DATABASE_URL defaults to file:./data/app.db): a volume, owned by
# the unprivileged user the server runs as.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8787) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--env-file-if-exists=.env", "--max-semi-space-size=8", "--enable-source-maps", "dist/server/node.mjs"]
