using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Delivery;

namespace EtlRouter.Sidecar.Stages;

/// <summary>Calls the pod's SinkService with a batch; what it did not name in failures is written.</summary>
public sealed class SinkCall(StageContext stage)
{
    public async Task<CallResult> CallAsync(IReadOnlyList<Record> records, CancellationToken cancellationToken)
    {
        var endpoint = stage.ServiceEndpoint ?? throw ServiceUnreachable.For(stage);
        var request = new WriteRequest();
        request.Records.AddRange(records);
        request.Options.Add(stage.Definition.Options);
        var client = new SinkService.SinkServiceClient(stage.Channels.For(endpoint));
        var response = await client.WriteAsync(request, deadline: DateTime.UtcNow + stage.CallTimeout, cancellationToken: cancellationToken);
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
}
