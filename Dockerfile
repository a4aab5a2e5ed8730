# syntax=docker/dockerfile:1
# One image for the api (default), the worker and the migrations. TypeScript runs through
# tsx, so there is no build step; the stages only keep pnpm's store out of the final image.
FROM node:20-bookworm-slim AS base
# npm rather than corepack, whose signature check fails on some networks (as in CI);
# the version is package.json's packageManager, so pnpm never fetches another one.
RUN npm install -g pnpm@10.34.9
WORKDIR /app

FROM base AS deps
# The store is filled from the lockfile alone, so this layer is rebuilt only when it changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline

FROM base
ENV NODE_ENV=production
COPY --from=deps /app /app
# root owns the code, the app cannot change it
USER node
EXPOSE 3000
# node itself, not `pnpm exec tsx`: pnpm 10 exits on SIGTERM without waiting for its child,
# so `docker stop` would end the container before the api has drained.
CMD ["node", "--import", "tsx", "apps/api/src/main.ts"]
