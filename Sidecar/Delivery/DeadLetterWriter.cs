using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Connections;
using EtlRouter.Sidecar.Model;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace EtlRouter.Sidecar.Delivery;

/// <summary>
/// Writes records that failed every retry to the router's dead letter queue, and returns only once the
/// router committed them: only then may the input batch be acked upstream. Retries the router without
/// limit (it may be electing a leader); the id makes a repeated append harmless.
/// </summary>
internal sealed class DeadLetterWriter(RouterClients router)
{
    /// <summary>Set on a dead letter whose record did not decode; its value is then the record's encoded bytes.</summary>
    public const string UndecodableHeader = "etl-router.io/undecodable";

    public static string IdOf(StageKey stage, string recordId) => $"{stage.Namespace}/{stage.Pipeline}/{stage.Stage}/{recordId}";

    public async Task WriteAsync(StageContext stage, IReadOnlyCollection<FailedRecord> failed, BatchTracker tracker, CancellationToken cancellationToken)
    {
        if (failed.Count == 0) return;
        var request = new AppendDeadLettersRequest();
        var now = Timestamp.FromDateTime(DateTime.UtcNow);
        foreach (var f in failed)
        {
            request.DeadLetters.Add(new DeadLetter
            {
                Id = IdOf(stage.Key, f.RecordId),
                Pipeline = stage.Assignment.Pipeline,
                Stage = stage.Key.Stage,
                Record = Decoded(f),
                Error = f.Error,
                Attempts = f.Attempts,
                FirstFailedAt = f.FirstFailedAt,
                LastFailedAt = now,
            });
        }

        var backoff = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                await router.DeadLetters.AppendAsync(request, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken);
                break;
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled && !cancellationToken.IsCancellationRequested)
            {
                stage.Logger.LogWarning("Stage {Stage}: the router did not take {Count} dead letter(s) ({Status}); retrying", stage.Key, failed.Count, e.StatusCode);
                await Task.Delay(backoff, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, backoff.Ticks * 2));
            }
        }

        foreach (var f in failed) tracker.DeadLettered.Add(f.RecordId);
        stage.Counters.Failed(failed.Count);
        stage.Metrics.RecordsFailed.Add(failed.Count, stage.Tags);
        stage.Metrics.DeadLetters.Add(failed.Count, stage.Tags);
        stage.Logger.LogInformation("Stage {Stage}: dead-lettered {Count} record(s) after {Attempts} attempt(s), e.g. {Error}",
            stage.Key, failed.Count, failed.Max(f => f.Attempts), failed.First().Error);
    }

    /// <summary>
    /// The record as a dead letter holds it. Its head was read where it entered the pipeline, but a field the
    /// sidecars never read (headers, event time) may still not decode, which may be why a service refused it:
    /// then its encoded bytes are kept as the value, with a header saying so, so that nothing is lost and the
    /// dead letter shows what arrived.
    /// </summary>
    private static Record Decoded(FailedRecord failed)
    {
        try
        {
            return Record.Parser.ParseFrom(failed.Record);
        }
        catch (InvalidProtocolBufferException e)
        {
            return new Record { Id = failed.RecordId, Value = failed.Record, Headers = { [UndecodableHeader] = e.Message } };
        }
    }
}
