using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;

namespace EtlRouter.Connectors.Sinks;

/// <summary>Acknowledges and drops every record: measures the pipeline, not a store (benchmarks).</summary>
internal sealed class DiscardSink(ConnectorSettings settings) : RecordSink(settings)
{
    protected override Task<IReadOnlyList<RecordError>> WriteAsync(WriteRequest request, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RecordError>>([]);
}
