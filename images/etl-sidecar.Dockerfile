# syntax=docker/dockerfile:1
# etl-sidecar: built from the repository root with `make images` (docker build -f images/etl-sidecar.Dockerfile .).
# A Native AOT executable (Sidecar.csproj, PublishAot): no .NET runtime in the image, no JIT at start-up.
# Base images are build arguments so machines that cannot pull them can name local ones (images/local-base).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_DEPS_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0
FROM ${SDK_IMAGE} AS build
# Native AOT links with clang; zlib for the runtime's compression.
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN dotnet publish Sidecar/Sidecar.csproj -c Release -a $TARGETARCH -p:PublishAot=true -o /app --nologo

FROM ${RUNTIME_DEPS_IMAGE}
WORKDIR /app
COPY --from=build /app/etl-sidecar .
# A numeric non-root user, so Kubernetes can check runAsNonRoot; pods run with a read-only root file system.
USER 65532:65532
# grpc: the data plane between sidecars; metrics: /healthz, /readyz, /metrics.
EXPOSE 9091 9092
ENTRYPOINT ["/app/etl-sidecar"]
