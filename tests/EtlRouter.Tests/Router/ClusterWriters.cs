using System.Collections.Concurrent;
using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Grpc.Core;

namespace EtlRouter.Tests.Router;

/// <summary>
/// Background writers that keep applying uniquely named pipelines through whichever node is running,
/// retrying the same name until acknowledged (applies are idempotent), and remember what was acknowledged.
/// </summary>
public sealed class ClusterWriters : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> writers = [];

    // Each writer holds the gate for one write; a pause takes every slot, so no write is in flight while paused.
    private readonly SemaphoreSlim gate;
    private readonly int count;

    private readonly RouterCluster cluster;

    public ClusterWriters(RouterCluster cluster, int count, string prefix = "w")
    {
        this.cluster = cluster;
        this.count = count;
        gate = new SemaphoreSlim(count, count);
        for (var w = 0; w < count; w++)
        {
            var writer = w;
            writers.Add(Task.Run(() => WriteLoop(cluster, $"{prefix}{writer}")));
        }
    }

    public ConcurrentDictionary<string, ulong> Acknowledged { get; } = new();

    public int Failures;

    /// <summary>
    /// Every running node holds every write acknowledged so far, read at the newest index the leader or a writer
    /// saw (so each node has applied at least that much).
    /// </summary>
    public async Task AssertNoneLostAsync()
    {
        var index = Math.Max(await cluster.LeaderCommitIndexAsync(), Acknowledged.Values.DefaultIfEmpty(0ul).Max());
        foreach (var node in cluster.Running)
        {
            var names = (await RouterTestData.ListAt(node.ControlPlane, index)).Pipelines.Select(p => p.Definition.Ref.Name).ToHashSet();
            var missing = Acknowledged.Keys.Where(k => !names.Contains(k)).ToList();
            Xunit.Assert.True(missing.Count == 0, $"node {node.NodeId} lacks {missing.Count} of {Acknowledged.Count} acknowledged writes ({string.Join(", ", missing.Take(5))}) at index {index}; it holds {names.Count}\n{cluster.Diagnostics()}");
        }
    }

    public async Task WaitForMoreAsync(int more)
    {
        var target = Acknowledged.Count + more;
        await Eventually.WaitUntil(() => Acknowledged.Count >= target, $"{more} more acknowledged writes (have {Acknowledged.Count})", TimeSpan.FromSeconds(30));
    }

    /// <summary>Holds every writer between writes until the returned handle is disposed (to compare nodes at rest).</summary>
    public async Task<IDisposable> PauseAsync()
    {
        for (var i = 0; i < count; i++)
        {
            if (!await gate.WaitAsync(TimeSpan.FromSeconds(30))) throw new TimeoutException("a write in flight did not finish within 30 s");
        }

        return new Resume(gate, count);
    }

    private sealed class Resume(SemaphoreSlim gate, int count) : IDisposable
    {
        public void Dispose() => gate.Release(count);
    }

    private async Task WriteLoop(RouterCluster cluster, string prefix)
    {
        var random = new Random(prefix.GetHashCode(StringComparison.Ordinal));
        for (var seq = 0; !stop.IsCancellationRequested; seq++)
        {
            var name = $"{prefix}-{seq}";
            while (!stop.IsCancellationRequested)
            {
                var nodes = cluster.Running.ToList();
                if (nodes.Count == 0) break;
                var node = nodes[random.Next(nodes.Count)];
                await gate.WaitAsync(stop.Token);
                try
                {
                    var response = await node.ControlPlane.ApplyPipelineAsync(
                        new ApplyPipelineRequest { Pipeline = RouterTestData.Linear(name) },
                        deadline: DateTime.UtcNow.AddSeconds(5),
                        cancellationToken: stop.Token);
                    Acknowledged[name] = response.CommitIndex;
                    break;
                }
                catch (RpcException) when (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref Failures);
                    await Task.Delay(20);
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }
                finally
                {
                    gate.Release();
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(writers);
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
        gate.Dispose();
    }
}
