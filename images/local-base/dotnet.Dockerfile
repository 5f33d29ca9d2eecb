# syntax=docker/dockerfile:1
# Local stand-ins for mcr.microsoft.com/dotnet/{runtime-deps,runtime,aspnet,sdk}:10.0, for machines that cannot pull
# them (the node test tier, `make cluster`): this machine's own .NET (build context: its dotnet directory, e.g.
# /usr/share/dotnet) on a Debian root made by debootstrap (scripts/node-images). Real builds use the upstream images,
# the Dockerfiles' defaults.
ARG DEBIAN_IMAGE=localhost/etl-node/debian:bookworm

FROM ${DEBIAN_IMAGE} AS runtime-deps
# What the upstream images set: the app user's id and the container flag .NET reads.
ENV APP_UID=1654 DOTNET_RUNNING_IN_CONTAINER=true ASPNETCORE_HTTP_PORTS=8080

FROM runtime-deps AS runtime
COPY dotnet LICENSE.txt /usr/share/dotnet/
COPY host /usr/share/dotnet/host
COPY shared/Microsoft.NETCore.App /usr/share/dotnet/shared/Microsoft.NETCore.App
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet

FROM runtime AS aspnet
COPY shared/Microsoft.AspNetCore.App /usr/share/dotnet/shared/Microsoft.AspNetCore.App

FROM aspnet AS sdk
COPY sdk /usr/share/dotnet/sdk
COPY sdk-manifests /usr/share/dotnet/sdk-manifests
COPY packs /usr/share/dotnet/packs
COPY templates /usr/share/dotnet/templates
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
