# One image for both processes: the API (default CMD) and the worker
# (docker-compose.yml overrides the command with `npx tsx worker/main.ts`).
# tsx, a runtime dependency, runs the TypeScript sources directly. The workflow code is bundled
# once, here (`npm run build:workflows` → dist/workflow-bundle.js), and the worker loads that
# bundle (WORKFLOW_BUNDLE in docker-compose.yml): no bundling at start, and every replica started
# from one image runs byte-identical workflow code, which is what replay needs.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    CI=true \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, so source edits reuse this layer (`npm install`, not `npm ci`: see .ci/run). Under npm 11
# the package.json "allowScripts" block approves the install scripts up front.
# Dev dependencies (vitest, typescript, eslint, type packages) stay out of the image; the workflow
# bundler (@temporalio/worker) is a runtime dependency.
COPY package.json package-lock.json ./
RUN npm install --omit=dev && npm cache clean --force

COPY . .

# The prebuilt workflow bundle, at /app/dist/workflow-bundle.js.
RUN npm run build:workflows && test -s dist/workflow-bundle.js

# Sources, the bundle and node_modules stay root-owned and read-only to the process.
USER node

# 3000: the API. 9464: the worker's metrics endpoint (WORKER_METRICS_ADDRESS in docker-compose.yml).
EXPOSE 3000 9464

CMD ["npx", "tsx", "api/server.ts"]
