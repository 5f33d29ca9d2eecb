using System.Diagnostics;

namespace EtlRouter.OperatorRuntime.Tracing;

/// <summary>
/// The runtime's spans: one per reconcile (or finalize) of an object. What the controller calls meanwhile (the
/// router over gRPC, the API server) shows as child spans when the host also listens to "System.Net.Http".
/// </summary>
public static class OperatorTracing
{
    public const string SourceName = "EtlRouter.Operator";

    internal static readonly ActivitySource Source = new(SourceName);
}
