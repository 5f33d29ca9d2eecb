using Confluent.Kafka;
using EtlRouter.Connectors.Sources;

namespace EtlRouter.Connectors.Kafka;

/// <summary>
/// What the Kafka source may commit, per assigned partition: the offset of the lowest record not yet acknowledged
/// end to end (a <see cref="ReadWatermark{TPosition}"/> per partition), so a consumer that takes a partition over
/// resumes there and reads again only what may not have been delivered. A partition's epoch changes whenever it is
/// assigned again, so records read under an earlier assignment are known and not handed out.
/// </summary>
internal sealed class PartitionCommits
{
    private readonly object gate = new();
    private readonly Dictionary<TopicPartition, Assignment> assigned = [];
    private long epochs;

    /// <summary>Partitions assigned now.</summary>
    public int Count { get { lock (gate) return assigned.Count; } }

    public long Assign(TopicPartition partition)
    {
        lock (gate)
        {
            var epoch = ++epochs;
            assigned[partition] = new Assignment(epoch);
            return epoch;
        }
    }

    /// <summary>The partition's current epoch, or 0 when it is not assigned here.</summary>
    public long EpochOf(TopicPartition partition)
    {
        lock (gate) return assigned.TryGetValue(partition, out var state) ? state.Epoch : 0;
    }

    public void Issue(TopicPartition partition, long offset)
    {
        lock (gate)
        {
            if (!assigned.TryGetValue(partition, out var state)) return;
            state.Watermark ??= new ReadWatermark<long>(offset);
            state.Watermark.Issue(offset);
        }
    }

    public void Acknowledge(TopicPartition partition, long offset)
    {
        ReadWatermark<long>? watermark;
        lock (gate) watermark = assigned.TryGetValue(partition, out var state) ? state.Watermark : null;
        watermark?.Acknowledge(offset, o => o + 1);
    }

    /// <summary>The offsets that moved since they were last committed (<paramref name="only"/>: of those partitions).</summary>
    public List<TopicPartitionOffset> Due(IEnumerable<TopicPartition>? only = null)
    {
        lock (gate)
        {
            var due = new List<TopicPartitionOffset>();
            foreach (var partition in only ?? assigned.Keys)
            {
                if (!assigned.TryGetValue(partition, out var state) || state.Watermark is not { } watermark) continue;
                if (watermark.Version == state.CommittedVersion) continue;
                due.Add(new TopicPartitionOffset(partition, new Offset(watermark.Resume)));
            }

            return due;
        }
    }

    /// <summary>Marks offsets returned by <see cref="Due"/> as committed.</summary>
    public void Committed(IEnumerable<TopicPartitionOffset> offsets)
    {
        lock (gate)
        {
            foreach (var at in offsets)
            {
                if (assigned.TryGetValue(at.TopicPartition, out var state) && state.Watermark is { } watermark && watermark.Resume == at.Offset.Value)
                    state.CommittedVersion = watermark.Version;
            }
        }
    }

    /// <summary>Per partition: the committable offset, the offsets read and not yet acknowledged.</summary>
    public List<(TopicPartition Partition, long? Committable, int InFlight)> Positions()
    {
        lock (gate) return [.. assigned.Select(p => (p.Key, p.Value.Watermark?.Resume, p.Value.Watermark?.Pending ?? 0))];
    }

    public void Revoke(IEnumerable<TopicPartition> partitions)
    {
        lock (gate) foreach (var partition in partitions) assigned.Remove(partition);
    }

    private sealed class Assignment(long epoch)
    {
        public long Epoch { get; } = epoch;

        public ReadWatermark<long>? Watermark { get; set; }

        public long CommittedVersion { get; set; }
    }
}
