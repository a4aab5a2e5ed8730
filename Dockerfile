# syntax=docker/dockerfile:1
# One image for the api (default), the worker and the migrations. The build stage compiles
# the TypeScript (`pnpm build`: one bundle per entry point, with source maps) and then keeps
# only the dependencies the bundles require; the final image runs them with node alone.
FROM node:20-bookworm-slim AS build
# npm rather than corepack, whose signature check fails on some networks (as in CI);
# the version is package.json's packageManager, so pnpm never fetches another one.
RUN npm install -g pnpm@10.34.9
WORKDIR /app
# The store is filled from the lockfile alone, so this layer is rebuilt only when it changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline && pnpm build
# Then the production dependencies alone, installed afresh: `--prod` over the full install
# would leave the build and test tools (esbuild, tsx, jest) in node_modules/.pnpm.
RUN find . -name node_modules -type d -prune -exec rm -rf {} + && pnpm install --frozen-lockfile --offline --prod

# No pnpm here: the image's processes are node and what it forks.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
# root owns the code, the app cannot change it
USER node
EXPOSE 3000
# node itself, not a launcher: pnpm 10 exits on SIGTERM without waiting for its child, so
# `docker stop` would end the container before the api has drained. Other commands of the
# image: node --enable-source-maps apps/worker/dist/main.js | db/dist/migrate.js | apps/worker/dist/reconcile.js
CMD ["node", "--enable-source-maps", "apps/api/dist/main.js"]
