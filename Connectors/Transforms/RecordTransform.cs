using System.Text.Json.Nodes;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;
using Google.Protobuf.Collections;
using Grpc.Core;

namespace EtlRouter.Connectors.Transforms;

/// <summary>
/// What every reference transform shares: both the unary and the streaming call, one record at a time, with
/// a failing record reported in errors (never failing the batch). For tests and demos, --fail-every N makes
/// every record whose seq (or id hash) is a multiple of N fail, the same way on every retry.
/// </summary>
internal abstract class RecordTransform(ConnectorSettings settings) : TransformService.TransformServiceBase
{
    private readonly long failEvery = settings.Number("fail-every", 0);
    private long unaryBatches;
    private long streamedBatches;

    protected ConnectorSettings Settings { get; } = settings;

    /// <summary>Zero or more records for one input; throw <see cref="RecordRejected"/> to fail it.</summary>
    protected abstract IEnumerable<Record> Apply(Record record, MapField<string, string> options);

    /// <summary>Batches that came by Transform, one call each, and by TransformStream: the sidecar should use the stream.</summary>
    public long UnaryBatches => Interlocked.Read(ref unaryBatches);

    public long StreamedBatches => Interlocked.Read(ref streamedBatches);

    public override Task<TransformResponse> Transform(TransformRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref unaryBatches);
        return Task.FromResult(Run(request));
    }

    public override async Task TransformStream(IAsyncStreamReader<TransformRequest> requestStream, IServerStreamWriter<TransformResponse> responseStream, ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            Interlocked.Increment(ref streamedBatches);
            await responseStream.WriteAsync(Run(request));
        }
    }

    private TransformResponse Run(TransformRequest request)
    {
        var response = new TransformResponse { BatchId = request.BatchId };
        foreach (var record in request.Records)
        {
            try
            {
                if (failEvery > 0 && InjectedFailure(record)) throw new RecordRejected($"injected failure (--fail-every {failEvery})");
                var outputs = Apply(record, request.Options).ToList();
                if (outputs.Count > 1)
                {
                    for (var i = 0; i < outputs.Count; i++) outputs[i].Id = $"{record.Id}/{i}";
                }

                response.Records.AddRange(outputs);
            }
            catch (RecordRejected e)
            {
                response.Errors.Add(new RecordError { RecordId = record.Id, Message = e.Message, Permanent = e.Permanent });
            }
            catch (ConnectorSettingsException e)
            {
                response.Errors.Add(new RecordError { RecordId = record.Id, Message = e.Message, Permanent = true });
            }
        }

        return response;
    }

    private bool InjectedFailure(Record record)
    {
        var seq = RecordJson.Read(record)?["seq"] is JsonValue v && v.TryGetValue<long>(out var s) ? s : (long)(uint)StableHash(record.Id);
        return seq % failEvery == 0;
    }

    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text) hash = unchecked(hash * 31 + c);
        return hash;
    }
}

/// <summary>A record the transform cannot handle; permanent when retrying cannot help.</summary>
internal sealed class RecordRejected(string message, bool permanent = false) : Exception(message)
{
    public bool Permanent { get; } = permanent;
}
