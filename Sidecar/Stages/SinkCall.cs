using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Delivery;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// Calls the pod's SinkService with a batch (over its WriteStream when the service has one, else one Write call
/// per batch); what it did not name in failures is written.
/// </summary>
public sealed class SinkCall(StageContext stage) : IDisposable
{
    private readonly BatchStream<WriteRequest, WriteResponse> stream = new(
        stage.Channels,
        channel => new SinkService.SinkServiceClient(channel).WriteStream(),
        (channel, request, options) => new SinkService.SinkServiceClient(channel).WriteAsync(request, options),
        response => response.BatchId,
        "WriteStream",
        stage.Logger);

    private ulong batchId;

    public async Task<CallResult> CallAsync(IReadOnlyList<Record> records, CancellationToken cancellationToken)
    {
        var endpoint = stage.ServiceEndpoint ?? throw ServiceUnreachable.For(stage);
        var request = new WriteRequest { BatchId = Interlocked.Increment(ref batchId) };
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
            stage.CountOut(records.Count(r => !failed.Contains(r.Id)));
        }

        return new CallResult([], response.Failures);
    }

    public void Dispose() => stream.Dispose();
}
