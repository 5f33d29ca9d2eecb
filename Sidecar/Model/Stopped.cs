using Grpc.Core;

namespace EtlRouter.Sidecar.Model;

/// <summary>
/// Whether an exception only says the work was told to stop. A gRPC call cancelled through its token ends with
/// an RpcException (Cancelled, or Unavailable when the read was cut), not an OperationCanceledException; letting
/// it escape at shutdown failed the host's background services and crashed the process on Ctrl-C.
/// </summary>
internal static class Stopped
{
    public static bool By(Exception e, CancellationToken token) =>
        token.IsCancellationRequested && e is OperationCanceledException or RpcException;
}
