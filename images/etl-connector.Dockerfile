# syntax=docker/dockerfile:1
# etl-connector: built from the repository root with `make images` (docker build -f images/etl-connector.Dockerfile .).
# Base images are build arguments so machines that cannot pull them can name local ones (images/local-base).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
RUN dotnet publish Connectors/Connectors.csproj -c Release -o /app --nologo

FROM ${ASPNET_IMAGE}
WORKDIR /app
COPY --from=build /app .
# The servers JIT the framework rather than use its ReadyToRun code (ServerJit.props; bench/README.md); baked
# into the image so a pod spec that sets no environment still gets it.
ENV DOTNET_ReadyToRun=0
# A numeric non-root user, so Kubernetes can check runAsNonRoot; pods run with a read-only root file system.
USER 65532:65532
# grpc: the connector's service (--port); its HTTP port (--http-port) is off unless set.
EXPOSE 50052
ENTRYPOINT ["dotnet", "/app/etl-connector.dll"]
