# syntax=docker/dockerfile:1
# etlctl: built from the repository root with `make images` (docker build -f images/etlctl.Dockerfile .).
# Base images are build arguments so machines that cannot pull them can name local ones (images/local-base).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0
FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
RUN dotnet publish Cli/Cli.csproj -c Release -o /app --nologo

FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY --from=build /app .
# A numeric non-root user, so Kubernetes can check runAsNonRoot; pods run with a read-only root file system.
USER 65532:65532
# No ports: a command-line tool (docker run --rm etlctl --router HOST:PORT get pipelines).
ENTRYPOINT ["dotnet", "/app/etlctl.dll"]
