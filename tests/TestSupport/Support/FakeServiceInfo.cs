using EtlRouter.Contracts.V1;
using Grpc.Core;

namespace EtlRouter.Tests.Support;

/// <summary>ServiceInfo for an in-process fake service, so a sidecar's discovery finds it like a connector.</summary>
public sealed class FakeServiceInfo(string name, StageKind kind) : ServiceInfo.ServiceInfoBase
{
    public override Task<DescribeServiceResponse> Describe(DescribeServiceRequest request, ServerCallContext context) =>
        Task.FromResult(new DescribeServiceResponse { Name = name, Kind = kind, Version = "test" });
}
