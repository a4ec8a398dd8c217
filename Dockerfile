# One image for every role of the store; the role is chosen at run time (`tams serve --role ...`).
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Fixes to dependencies, applied by npm's postinstall (patch-package; docs/decisions.md).
COPY patches ./patches
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY cli ./cli
COPY lib ./lib
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY schema ./schema
# The dashboard's browser source: `npm ci` builds it (prepare → npm run build) into dist/dashboard.
COPY dashboard ./dashboard
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production TAMS_HOST=0.0.0.0 TAMS_PORT=8000 TAMS_DATA_DIR=/var/lib/tams
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/schema ./schema
RUN mkdir -p /var/lib/tams && chown node:node /var/lib/tams
USER node
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8000/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/tams.js"]
CMD ["serve"]
