using EtlRouter.Sidecar.Delivery;
using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Wire;
using Google.Protobuf;
using Grpc.Core;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// Calls the pod's TransformService with a batch and the stage's options: over its TransformStream when the
/// service has one, else one Transform call per batch. Records go and come back encoded.
/// </summary>
internal sealed class TransformCall(StageContext stage) : IDisposable
{
    private readonly BatchStream<EncodedTransformRequest, EncodedTransformResponse> stream = new(
        stage.Channels,
        channel => channel.CreateCallInvoker().AsyncDuplexStreamingCall(EncodedMethods.TransformStream, null, default),
        (channel, request, options) => channel.CreateCallInvoker().AsyncUnaryCall(EncodedMethods.Transform, null, options, request),
        response => response.BatchId,
        "TransformStream",
        stage.Logger);

    private ulong batchId;

    public async Task<CallResult> CallAsync(IReadOnlyList<ByteString> records, CancellationToken cancellationToken)
    {
        var endpoint = stage.ServiceEndpoint ?? throw ServiceUnreachable.For(stage);
        var request = new EncodedTransformRequest { BatchId = Interlocked.Increment(ref batchId) };
        request.Records.AddRange(records);
        request.Options.Add(stage.Definition.Options);
        var response = await stream.CallAsync(endpoint, request, request.BatchId, stage.CallTimeout, cancellationToken);
        if (RecordHeads.FirstUnreadable(response.Records) is (var index, var error))
        {
            // As a decoding client would: the call failed, so each record of the batch is retried, then dead-lettered here.
            throw new RpcException(new Status(StatusCode.Internal, $"the transform answered with record {index} that is not an etl.v1.Record ({error})"));
        }

        return new CallResult(response.Records, response.Errors);
    }

    public void Dispose() => stream.Dispose();
}
