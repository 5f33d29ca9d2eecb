using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Delivery;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// Calls the pod's TransformService with a batch and the stage's options: over its TransformStream when the
/// service has one, else one Transform call per batch.
/// </summary>
public sealed class TransformCall(StageContext stage) : IDisposable
{
    private readonly BatchStream<TransformRequest, TransformResponse> stream = new(
        stage.Channels,
        channel => new TransformService.TransformServiceClient(channel).TransformStream(),
        (channel, request, options) => new TransformService.TransformServiceClient(channel).TransformAsync(request, options),
        response => response.BatchId,
        "TransformStream",
        stage.Logger);

    private ulong batchId;

    public async Task<CallResult> CallAsync(IReadOnlyList<Record> records, CancellationToken cancellationToken)
    {
        var endpoint = stage.ServiceEndpoint ?? throw ServiceUnreachable.For(stage);
        var request = new TransformRequest { BatchId = Interlocked.Increment(ref batchId) };
        request.Records.AddRange(records);
        request.Options.Add(stage.Definition.Options);
        var response = await stream.CallAsync(endpoint, request, request.BatchId, stage.CallTimeout, cancellationToken);
        return new CallResult(response.Records, response.Errors);
    }

    public void Dispose() => stream.Dispose();
}
