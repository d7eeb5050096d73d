# One image for both processes: the API (default CMD) and the worker
# (docker-compose.yml overrides the command with `npx tsx worker/main.ts`).
# No build step: tsx, a runtime dependency, runs the TypeScript sources directly,
# and the worker bundles its workflows from source at start.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    CI=true \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, so source edits reuse this layer (`npm install`, not `npm ci`: see .ci/run). Under npm 11
# the package.json "allowScripts" block approves the install scripts up front.
# Dev dependencies (vitest, typescript, type packages) stay out of the image.
COPY package.json package-lock.json ./
RUN npm install --omit=dev && npm cache clean --force

COPY . .

# Sources and node_modules stay root-owned and read-only to the process.
USER node

EXPOSE 3000

CMD ["npx", "tsx", "api/server.ts"]
