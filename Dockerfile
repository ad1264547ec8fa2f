# One image for every Docent role; the command picks the role, e.g.
#   docker run docent node --max-semi-space-size=2 --import tsx src/bin/web.ts            (web, port 3000)
#   ... src/bin/answer-worker.ts | src/bin/ingest-worker.ts | src/bin/analytics.ts (port 3002)
# docker-compose.yml wires the four roles to RabbitMQ and Kafka.
#
# Build stage: system faiss + toolchain (here, so the layer is cached; npm ci's preinstall check,
# scripts/system-deps.sh --npm-install, then finds them present), `npm ci` (whose postinstall builds
# faiss-node against the system libfaiss, see scripts/build-faiss.mjs), then drop dev dependencies.
FROM node:20-bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libfaiss-dev libopenblas-dev libomp-dev cmake g++ make python3 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Native builds (faiss-node, better-sqlite3) use this image's own Node headers, never a download.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force
COPY . .

# Runtime stage: only the shared libraries the native addons load (libfaiss is linked statically),
# and the OCR programs for scans and images (Tesseract with English data, poppler; add
# tesseract-ocr-<lang> packages for other OCR_LANGUAGES).
FROM node:20-bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0-pthread libgomp1 ca-certificates \
      tesseract-ocr tesseract-ocr-eng poppler-utils \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /app/data /app/models /app/vectorstore /app/ingest && chown node:node /app/data /app/models /app/vectorstore /app/ingest
# Busy-waiting OpenMP threads and a BLAS thread pool slow search badly on small machines; these are
# read when the native libraries load, so they belong in the environment (DESIGN.md section 6).
ENV NODE_ENV=production \
    OMP_WAIT_POLICY=PASSIVE \
    OPENBLAS_NUM_THREADS=1 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data \
    MODELS_DIR=/app/models \
    VECTORSTORE_DIR=/app/vectorstore \
    INGEST_INBOX=/app/ingest
USER node
EXPOSE 3000 3002
# node runs the entrypoint directly (no npm/npx in between) so SIGTERM reaches its shutdown handler.
CMD ["node", "--max-semi-space-size=2", "--import", "tsx", "src/bin/web.ts"]
