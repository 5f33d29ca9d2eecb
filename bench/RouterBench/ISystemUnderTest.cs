namespace EtlRouter.Bench;

/// <summary>What the benchmark does to either system, so both run the same workload the same way.</summary>
public interface ISystemUnderTest : IDisposable
{
    string Name { get; }

    IReadOnlyList<Node> Nodes { get; }

    Task StartAsync();

    /// <summary>The node that leads now (asks the running nodes).</summary>
    Task<Node> LeaderAsync(CancellationToken token);

    /// <summary>One small committed write of the given size through the given node; throws if not committed.</summary>
    Task WriteAsync(Node node, string key, int valueBytes, CancellationToken token);

    /// <summary>Takes a consistent snapshot of the whole state to a file; returns its size.</summary>
    Task<long> SnapshotAsync(string file, CancellationToken token);

    /// <summary>Restores a snapshot file into a fresh cluster, until the data is readable.</summary>
    Task RestoreAsync(string file, CancellationToken token);
}
