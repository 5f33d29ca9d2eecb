# syntax=docker/dockerfile:1
# etl-operator: built from the repository root with `make images` (docker build -f images/etl-operator.Dockerfile .).
# Base images are build arguments so machines that cannot pull them can name local ones (images/local-base).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
RUN dotnet publish Operator/Operator.csproj -c Release -o /app --nologo

FROM ${ASPNET_IMAGE}
WORKDIR /app
COPY --from=build /app .

# A numeric non-root user, so Kubernetes can check runAsNonRoot; pods run with a read-only root file system.
USER 65532:65532
# http: health (/healthz, /readyz) and /metrics; webhook: the admission webhooks (HTTPS).
EXPOSE 8080 9443
ENTRYPOINT ["dotnet", "/app/etl-operator.dll"]
