namespace EtlRouter.Connectors.Sources;

/// <summary>
/// Where a reader of ordered positions may resume: positions are issued in order and acknowledged in any order;
/// the watermark is the position after the last one that has every earlier one acknowledged too. A restart from
/// it sends again only what may not have been delivered (at-least-once), never skips.
/// </summary>
internal sealed class ReadWatermark<TPosition>(TPosition start)
    where TPosition : notnull
{
    private readonly object gate = new();
    private readonly Queue<TPosition> issued = new();
    private readonly HashSet<TPosition> acknowledged = [];
    private TPosition resume = start;
    private long version;

    /// <summary>Rises each time <see cref="Resume"/> moves.</summary>
    public long Version { get { lock (gate) return version; } }

    public TPosition Resume { get { lock (gate) return resume; } }

    public int Pending { get { lock (gate) return issued.Count; } }

    public void Issue(TPosition position)
    {
        lock (gate) issued.Enqueue(position);
    }

    /// <summary>Marks <paramref name="position"/> done; <paramref name="after"/> gives the position that follows a done one.</summary>
    public void Acknowledge(TPosition position, Func<TPosition, TPosition> after)
    {
        lock (gate)
        {
            acknowledged.Add(position);
            while (issued.TryPeek(out var first) && acknowledged.Remove(first))
            {
                issued.Dequeue();
                resume = after(first);
                version++;
            }
        }
    }
}
