using EtlRouter.Contracts.V1;
using Google.Protobuf;

namespace EtlRouter.Sidecar.Delivery;

/// <summary>What one call to a transform or sink gave: the records to pass on (encoded), and the ones that failed.</summary>
public sealed record CallResult(IReadOnlyList<ByteString> Outputs, IReadOnlyList<RecordError> Failures);

/// <summary>Calls the stage's service with a set of encoded records.</summary>
public delegate Task<CallResult> RecordCall(IReadOnlyList<ByteString> records, CancellationToken cancellationToken);
