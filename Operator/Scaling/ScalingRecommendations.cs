using System.Collections.Concurrent;

namespace EtlRouter.Operator.Scaling;

/// <summary>
/// The recent recommendations per scaled resource (by uid), in memory as HPA keeps them: an operator that restarts
/// starts a fresh window and so scales nothing down before a whole scaleDownDelay has passed.
/// </summary>
internal sealed class ScalingRecommendations
{
    private readonly ConcurrentDictionary<string, Window> windows = new(StringComparer.Ordinal);

    /// <summary>The recommendations for <paramref name="uid"/> newer than <paramref name="keep"/>, and when watching began.</summary>
    public (IReadOnlyList<(DateTime At, int Replicas)> Recent, DateTime Since) Read(string uid, string policy, DateTime now, TimeSpan keep)
    {
        var window = windows.AddOrUpdate(uid, _ => new Window(policy, now), (_, w) => w.Policy == policy ? w : new Window(policy, now));
        lock (window)
        {
            window.Entries.RemoveAll(e => e.At < now - keep);
            return ([.. window.Entries], window.Since);
        }
    }

    public void Add(string uid, DateTime at, int replicas)
    {
        if (!windows.TryGetValue(uid, out var window)) return;
        lock (window) window.Entries.Add((at, replicas));
    }

    public void Forget(string uid) => windows.TryRemove(uid, out _);

    // A changed policy (other bounds, target or delay) starts a fresh window: old recommendations were made under other rules.
    private sealed class Window(string policy, DateTime since)
    {
        public string Policy { get; } = policy;

        public DateTime Since { get; } = since;

        public List<(DateTime At, int Replicas)> Entries { get; } = [];
    }
}
