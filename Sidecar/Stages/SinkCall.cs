using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Delivery;
using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Wire;
using Google.Protobuf;
using Grpc.Core;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// Calls the pod's SinkService with a batch (over its WriteStream when the service has one, else one Write call
/// per batch); what it did not name in failures is written.
/// </summary>
internal sealed class SinkCall(StageContext stage) : IDisposable
{
    private readonly BatchStream<EncodedWriteRequest, WriteResponse> stream = new(
        stage.Channels,
        channel => channel.CreateCallInvoker().AsyncDuplexStreamingCall(EncodedMethods.WriteStream, null, default),
        (channel, request, options) => channel.CreateCallInvoker().AsyncUnaryCall(EncodedMethods.Write, null, options, request),
        response => response.BatchId,
        "WriteStream",
        stage.Logger);

    private ulong batchId;

    public async Task<CallResult> CallAsync(IReadOnlyList<ByteString> records, CancellationToken cancellationToken)
    {
        var endpoint = stage.ServiceEndpoint ?? throw ServiceUnreachable.For(stage);
        var request = new EncodedWriteRequest { BatchId = Interlocked.Increment(ref batchId) };
        request.Records.AddRange(records);
        request.Options.Add(stage.Definition.Options);
        var response = await stream.CallAsync(endpoint, request, request.BatchId, stage.CallTimeout, cancellationToken);
        if (response.Failures.Count == 0)
        {
            stage.CountOut(records.Count);
        }
        else
        {
            var failed = response.Failures.Select(f => f.RecordId).ToHashSet(StringComparer.Ordinal);
            stage.CountOut(records.Count(r => !failed.Contains(RecordHeads.IdOf(r))));
        }

        return new CallResult([], response.Failures);
    }

    public void Dispose() => stream.Dispose();
}
