using EtlRouter.Contracts.V1;
using Grpc.Core;

namespace EtlRouter.Sidecar.Wire;

/// <summary>
/// etl.v1.SidecarDataPlane served with records left encoded: what protoc would generate for it, with
/// <see cref="EncodedMethods.Exchange"/> in place of the contract's method.
/// </summary>
[BindServiceMethod(typeof(EncodedDataPlaneBase), nameof(BindService))]
internal abstract class EncodedDataPlaneBase
{
    public abstract Task Exchange(IAsyncStreamReader<EncodedEdgeFrame> requestStream, IServerStreamWriter<EdgeSignal> responseStream, ServerCallContext context);

    /// <summary>Called by ASP.NET Core's gRPC service binding; it finds <see cref="Exchange"/> on the service by name.</summary>
    public static void BindService(ServiceBinderBase binder, EncodedDataPlaneBase? service) =>
        binder.AddMethod(EncodedMethods.Exchange, service is null ? null : service.Exchange);
}
