using System.Diagnostics;
using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Tracing;
using EtlRouter.Sidecar.Wire;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Polly;
using Polly.Retry;

namespace EtlRouter.Sidecar.Delivery;

/// <summary>
/// Runs a stage's call for a batch. What succeeds is passed on at once; failed records are retried in the
/// background with exponential backoff and jitter (Polly) up to the pipeline's maxRetries, then dead-lettered,
/// so a poison record never holds up the records behind it. A service that is unreachable is waited for
/// (the pipeline stalls, and backpressure reaches the source) rather than counted against the records.
/// </summary>
internal sealed class RecordRetrier
{
    /// <summary>Batches retried at once per stage; more waits, which bounds the memory retries hold.</summary>
    public const int ConcurrentRetries = 8;

    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private readonly StageContext stage;
    private readonly RecordCall call;
    private readonly DeadLetterWriter deadLetters;
    private readonly Func<IReadOnlyList<ByteString>, BatchTracker, CancellationToken, Task> emit;
    private readonly SemaphoreSlim retrySlots = new(ConcurrentRetries);
    private int unavailableReported;

    public RecordRetrier(StageContext stage, RecordCall call, DeadLetterWriter deadLetters, Func<IReadOnlyList<ByteString>, BatchTracker, CancellationToken, Task> emit)
    {
        this.stage = stage;
        this.call = call;
        this.deadLetters = deadLetters;
        this.emit = emit;
    }

    /// <summary>
    /// What the stage's service made of a batch: one call, waiting out an unavailable service. Several may be
    /// under way at once; <see cref="FinishAsync"/> takes their results in the order the batches came.
    /// </summary>
    public async Task<CallResult> CallAsync(IReadOnlyList<ByteString> records, ActivityContext trace, CancellationToken cancellationToken, int attempt = 1)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            using var span = SidecarTracing.StartServiceCall(stage, trace, records.Count, attempt);
            try
            {
                var result = await call(records, cancellationToken);
                if (Interlocked.Exchange(ref unavailableReported, 0) == 1) stage.Logger.LogInformation("Stage {Stage}: service {Service} answers again", stage.Key, stage.Definition.Service);
                if (!result.AllSucceeded) span?.SetStatus(ActivityStatusCode.Error, result.CallError ?? $"{result.Failures.Count} records failed");
                return result;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && !cancellationToken.IsCancellationRequested)
            {
                span?.SetStatus(ActivityStatusCode.Error, $"{e.StatusCode}: {e.Status.Detail}");
                if (Interlocked.Exchange(ref unavailableReported, 1) == 0) stage.Logger.LogWarning("Stage {Stage}: service {Service} is unavailable ({Detail}); waiting", stage.Key, stage.Definition.Service, e.Status.Detail);
                await Task.Delay(backoff, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(2).Ticks, backoff.Ticks * 2));
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                span?.SetStatus(ActivityStatusCode.Error, $"{e.StatusCode}: {e.Status.Detail}");
                return new CallResult([], [], CallError: $"{e.StatusCode}: {e.Status.Detail}");
            }
        }
    }

    /// <summary>Passes on what succeeded at once, and retries what failed in the background.</summary>
    public async Task FinishAsync(IReadOnlyList<ByteString> records, CallResult result, BatchTracker tracker, CancellationToken cancellationToken)
    {
        await emit(result.Outputs, tracker, cancellationToken);
        if (result.AllSucceeded) return;

        // Only a batch with failures has its records' ids read.
        var now = Timestamp.FromDateTime(DateTime.UtcNow);
        var ids = records.Select(RecordHeads.IdOf).ToList();
        var byId = new Dictionary<string, ByteString>(StringComparer.Ordinal);
        for (var i = 0; i < records.Count; i++) byId.TryAdd(ids[i], records[i]);
        var failed = Match(ids, result, id => new FailedRecord(byId[id], id, "", false, now));
        await retrySlots.WaitAsync(cancellationToken);
        tracker.Open();
        _ = Task.Run(async () =>
        {
            try
            {
                await RetryAsync(failed, tracker, cancellationToken);
                tracker.Close();
            }
            catch (OperationCanceledException)
            {
                // The stage stopped: the batch stays unacked upstream, which sends it again.
            }
            finally
            {
                retrySlots.Release();
            }
        }, CancellationToken.None);
    }

    private async Task RetryAsync(List<FailedRecord> failed, BatchTracker tracker, CancellationToken cancellationToken)
    {
        var policy = stage.Assignment.Dlq;
        var dlqEnabled = policy is null || policy.Enabled;
        var maxRetries = policy is null ? 3 : (int)policy.MaxRetries;
        var pending = await DeadLetterPermanentAsync(failed, tracker, cancellationToken);
        if (pending.Count == 0) return;
        if (dlqEnabled && maxRetries == 0)
        {
            await deadLetters.WriteAsync(stage, pending, tracker, cancellationToken);
            return;
        }

        var pipeline = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RecordsStillFailing>(),
            // With the dead letter queue off, a record holds its pipeline until it succeeds (as the CRD documents).
            MaxRetryAttempts = dlqEnabled ? maxRetries : int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = stage.Options.RetryBaseDelay,
            MaxDelay = MaxDelay,
            OnRetry = _ =>
            {
                stage.Metrics.Retries.Add(pending.Count, stage.Tags);
                return default;
            },
        }).Build();

        // The first attempt already ran inline; Polly's first execution only stands for it, so every call
        // it makes is a retry after a backoff delay, and attempts count 1 + maxRetries.
        var inlineAttemptDone = false;
        try
        {
            await pipeline.ExecuteAsync(async token =>
            {
                if (!inlineAttemptDone)
                {
                    inlineAttemptDone = true;
                    throw new RecordsStillFailing();
                }

                var records = pending.Select(f => f.Record).ToList();
                var result = await CallAsync(records, tracker.Trace, token, attempt: (int)pending[0].Attempts + 1);
                await emit(result.Outputs, tracker, token);
                var byId = pending.ToDictionary(f => f.RecordId);
                var again = Match([.. byId.Keys], result, id => byId[id]).Select(f => f with { Attempts = f.Attempts + 1 }).ToList();
                pending = await DeadLetterPermanentAsync(again, tracker, token);
                if (pending.Count > 0) throw new RecordsStillFailing();
            }, cancellationToken);
        }
        catch (RecordsStillFailing)
        {
            await deadLetters.WriteAsync(stage, pending, tracker, cancellationToken);
        }
    }

    private async Task<List<FailedRecord>> DeadLetterPermanentAsync(List<FailedRecord> failed, BatchTracker tracker, CancellationToken cancellationToken)
    {
        var permanent = failed.Where(f => f.Permanent).ToList();
        if (permanent.Count > 0) await deadLetters.WriteAsync(stage, permanent, tracker, cancellationToken);
        return [.. failed.Where(f => !f.Permanent)];
    }

    /// <summary>
    /// Failures matched to the records sent (all of them when the call failed as a whole); an error naming a
    /// record that was not sent is ignored.
    /// </summary>
    private static List<FailedRecord> Match(IReadOnlyList<string> sentIds, CallResult result, Func<string, FailedRecord> known)
    {
        var ids = sentIds.ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<RecordError> errors = result.CallError is { } message
            ? [.. sentIds.Select(id => new RecordError { RecordId = id, Message = message })]
            : result.Failures;
        return [.. errors.Where(e => ids.Remove(e.RecordId)).Select(e => known(e.RecordId) with { Error = e.Message, Permanent = e.Permanent })];
    }

    /// <summary>Tells Polly that some records of the attempt failed again.</summary>
    private sealed class RecordsStillFailing : Exception;
}
