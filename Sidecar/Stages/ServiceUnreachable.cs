using EtlRouter.Sidecar.Model;
using Grpc.Core;

namespace EtlRouter.Sidecar.Stages;

/// <summary>The stage's service was not found on the pod (yet): the same as an unreachable service.</summary>
internal static class ServiceUnreachable
{
    public static RpcException For(StageContext stage) => new(new Status(StatusCode.Unavailable,
        $"no {stage.Definition.Kind} '{stage.Definition.Service}' on this pod (discovery found: {string.Join(", ", stage.Services.Current.Select(s => s.Name)) switch { "" => "nothing", var names => names }})"));
}
