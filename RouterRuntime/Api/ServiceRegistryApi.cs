using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using EtlRouter.RouterRuntime.Security;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Api;

/// <summary>Sidecars register the services they found and keep a lease with heartbeats.</summary>
internal sealed class ServiceRegistryApi(WriteGateway gateway) : ServiceRegistry.ServiceRegistryBase
{
    public override async Task<RegisterSidecarResponse> Register(RegisterSidecarRequest request, ServerCallContext context)
    {
        RequestValidation.Registration(request);
        context.RequireSidecarId(request.SidecarId, "sidecar_id");
        context.RequireNamespace(request.Pod.Split('/')[0], "pod");
        var result = await gateway.ProposeAsync(new Command { RegisterSidecar = request }, context, context.CancellationToken);
        return result.RegisterSidecar;
    }

    public override async Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        RequestValidation.SidecarId(request.SidecarId);
        context.RequireSidecarId(request.SidecarId, "sidecar_id");
        var result = await gateway.ProposeAsync(new Command { RenewLease = request.SidecarId }, context, context.CancellationToken);
        if (result.BodyCase == CommandResult.BodyOneofCase.NotFound) throw new RpcException(new Status(StatusCode.NotFound, result.NotFound));
        return result.RenewLease;
    }

    public override async Task<DeregisterSidecarResponse> Deregister(DeregisterSidecarRequest request, ServerCallContext context)
    {
        RequestValidation.SidecarId(request.SidecarId);
        context.RequireSidecarId(request.SidecarId, "sidecar_id");
        var result = await gateway.ProposeAsync(new Command { DeregisterSidecar = request.SidecarId }, context, context.CancellationToken);
        return result.DeregisterSidecar;
    }
}
