using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtlRouter.Bench.DataPlane;

/// <summary>
/// A raw relay that forwards each batch as the bytes it arrived as, without decoding it: the fastest plain relay
/// gRPC can be, the honest ceiling for sidecars that also pass records on as bytes. It answers the same method
/// paths as <see cref="RawRelayService"/> (etlbench.v1.RawRelay), with marshallers that leave messages encoded.
/// </summary>
[BindServiceMethod(typeof(RawBytesRelayService), nameof(BindService))]
public class RawBytesRelayService(RawRelayOptions options)
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(bytes => bytes, bytes => bytes);

    public static readonly Method<byte[], byte[]> PushMethod = new(MethodType.ClientStreaming, "etlbench.v1.RawRelay", "Push", Bytes, Bytes);

    public static readonly Method<byte[], byte[]> StatsMethod = new(MethodType.Unary, "etlbench.v1.RawRelay", "Stats", Bytes, Bytes);

    // Grpc.AspNetCore finds the handlers by name (Push, Stats): public virtual methods of the type that binds them.
    public static void BindService(ServiceBinderBase binder, RawBytesRelayService? service)
    {
        binder.AddMethod(PushMethod, (ClientStreamingServerMethod<byte[], byte[]>)null!);
        binder.AddMethod(StatsMethod, (UnaryServerMethod<byte[], byte[]>)null!);
    }

    public virtual async Task<byte[]> Push(IAsyncStreamReader<byte[]> requestStream, ServerCallContext context)
    {
        if (options.Next is null) throw new RpcException(new Status(StatusCode.FailedPrecondition, "a bytes relay always has a next process"));
        using var channel = GrpcChannel.ForAddress($"http://{options.Next}", new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20, MaxSendMessageSize = 64 << 20 });
        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(PushMethod, null, new CallOptions(cancellationToken: context.CancellationToken));
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken)) await call.RequestStream.WriteAsync(batch);
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    // An empty PushSummary: the bench asks a relay only whether it answers.
    public virtual Task<byte[]> Stats(byte[] request, ServerCallContext context) => Task.FromResult(Array.Empty<byte>());
}
