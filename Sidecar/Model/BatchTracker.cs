using System.Collections.Concurrent;
using System.Diagnostics;

namespace EtlRouter.Sidecar.Model;

/// <summary>
/// Counts what is still open for one input batch: the stage's own work, each output batch sent downstream,
/// each record being retried or dead-lettered. When the count reaches zero the batch is done, and its
/// completion (an ack upstream, a source acknowledgement, a replay resolution) runs once.
/// </summary>
internal sealed class BatchTracker
{
    private readonly Action<BatchTracker> completion;
    private int open = 1;

    public BatchTracker(Action<BatchTracker> completion) => this.completion = completion;

    /// <summary>The span the batch's work belongs to (tracing on): what it leads to downstream is traced under it.</summary>
    public ActivityContext Trace { get; set; }

    /// <summary>Ids of records that were dead-lettered on the way, so a replay does not resolve them.</summary>
    public ConcurrentBag<string> DeadLettered { get; } = [];

    /// <summary>One more thing must finish before the batch is done.</summary>
    public void Open() => Interlocked.Increment(ref open);

    /// <summary>One thing finished.</summary>
    public void Close()
    {
        if (Interlocked.Decrement(ref open) == 0) completion(this);
    }
}
