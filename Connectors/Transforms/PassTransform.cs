using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;
using Google.Protobuf.Collections;

namespace EtlRouter.Connectors.Transforms;

/// <summary>Passes every record on unchanged: the cheapest transform, for benchmarks and wiring checks.</summary>
internal sealed class PassTransform(ConnectorSettings settings) : RecordTransform(settings)
{
    protected override IEnumerable<Record> Apply(Record record, MapField<string, string> options) => [record];
}
