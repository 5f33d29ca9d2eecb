using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Delivery;

namespace EtlRouter.Sidecar.Stages;

/// <summary>Calls the pod's TransformService with a batch and the stage's options.</summary>
public sealed class TransformCall(StageContext stage)
{
    private ulong batchId;

    public async Task<CallResult> CallAsync(IReadOnlyList<Record> records, CancellationToken cancellationToken)
    {
        var endpoint = stage.ServiceEndpoint ?? throw ServiceUnreachable.For(stage);
        var request = new TransformRequest { BatchId = Interlocked.Increment(ref batchId) };
        request.Records.AddRange(records);
        request.Options.Add(stage.Definition.Options);
        var client = new TransformService.TransformServiceClient(stage.Channels.For(endpoint));
        var response = await client.TransformAsync(request, deadline: DateTime.UtcNow + stage.CallTimeout, cancellationToken: cancellationToken);
        return new CallResult(response.Records, response.Errors);
    }
}
