# syntax=docker/dockerfile:1
# etl-router: built from the repository root with `make images` (docker build -f images/etl-router.Dockerfile .).
# The dashboard (web/): static files the router serves at / on its http port.
# Base images are build arguments so machines that cannot pull them can name local ones (images/local-base).
ARG NODE_IMAGE=node:20-bookworm-slim
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
FROM ${NODE_IMAGE} AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
COPY --from=web /web/build web/build
RUN dotnet publish RouterRuntime/RouterRuntime.csproj -c Release -o /app --nologo

FROM ${ASPNET_IMAGE}
WORKDIR /app
COPY --from=build /app .
# The servers JIT the framework rather than use its ReadyToRun code (ServerJit.props; bench/README.md); baked
# into the image so a pod spec that sets no environment still gets it.
ENV DOTNET_ReadyToRun=0
# A numeric non-root user, so Kubernetes can check runAsNonRoot; pods run with a read-only root file system.
USER 65532:65532
# grpc: control plane, registry, coordinator; http: /healthz, /readyz, /metrics, /graphql and the dashboard;
# raft: the Raft group.
EXPOSE 50051 8080 7000
ENTRYPOINT ["dotnet", "/app/etl-router.dll"]
