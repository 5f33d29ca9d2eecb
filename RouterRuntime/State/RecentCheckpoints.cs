namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// The state hashes this node computed at its newest checkpoint entries, so a cluster-wide check can still ask
/// for the hash at a given entry after the next checkpoint landed. Bounded; guarded by <see cref="RouterState.Sync"/>.
/// </summary>
internal sealed class RecentCheckpoints
{
    private const int Kept = 16;
    private readonly SortedList<long, string> hashes = [];

    public (long Index, string Hash) Newest => hashes.Count == 0 ? (0, string.Empty) : (hashes.Keys[^1], hashes.Values[^1]);

    public void Add(long index, string hash)
    {
        hashes[index] = hash;
        while (hashes.Count > Kept) hashes.RemoveAt(0);
    }

    public string? At(long index) => hashes.GetValueOrDefault(index);
}
