using EtlRouter.Contracts.V1;
using Grpc.Core;

namespace EtlRouter.Connectors.Hosting;

/// <summary>Answers discovery: who this connector is.</summary>
internal sealed class ServiceInfoService(ConnectorIdentity identity) : ServiceInfo.ServiceInfoBase
{
    public override Task<DescribeServiceResponse> Describe(DescribeServiceRequest request, ServerCallContext context) =>
        Task.FromResult(new DescribeServiceResponse { Name = identity.Name, Kind = identity.Kind, Version = identity.Version });
}

/// <summary>The name the connector registers under (--name), its kind, and its version.</summary>
internal sealed record ConnectorIdentity(string Name, StageKind Kind, string Version);
