# syntax=docker/dockerfile:1
# Multi-stage build on the current Node LTS. ORT_INSTALL=skip keeps onnxruntime-node CPU(+WebGPU)-only;
# ORT_INSTALL=cuda12 lets its installer fetch the CUDA 12 provider libraries (needs internet at build).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG ORT_INSTALL=skip
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# package.json's allowScripts denies onnxruntime-node's postinstall (the NuGet download); the env var
# does the same for an npm that predates allowScripts. ORT_INSTALL=cuda12 then runs that installer once.
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund \
 && if [ "$ORT_INSTALL" != skip ]; then ONNXRUNTIME_NODE_INSTALL="$ORT_INSTALL" node node_modules/onnxruntime-node/script/install.js; fi
COPY tsconfig.json tsconfig.build.json ./
COPY apps apps
COPY libs libs
COPY migrations migrations
RUN npm run build:server && npm prune --omit=dev

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends libvulkan1 tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# Fewer glibc malloc arenas: ONNX Runtime's threads otherwise fragment memory (see docs/BENCHMARKS.md, Soak).
ENV MALLOC_ARENA_MAX=2
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY bin bin
COPY models models
USER node
EXPOSE 8080 8081
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/apps/api/src/main.js"]
