using EtlRouter.Contracts.V1;

namespace EtlRouter.Sidecar.Delivery;

/// <summary>What one call to a transform or sink gave: the records to pass on, and the ones that failed.</summary>
public sealed record CallResult(IReadOnlyList<Record> Outputs, IReadOnlyList<RecordError> Failures);

/// <summary>Calls the stage's service with a set of records.</summary>
public delegate Task<CallResult> RecordCall(IReadOnlyList<Record> records, CancellationToken cancellationToken);
