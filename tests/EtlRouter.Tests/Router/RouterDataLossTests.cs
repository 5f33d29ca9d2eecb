using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>
/// Three real router processes over mutual TLS; one node's files are damaged at random offsets (or its data
/// directory removed) while it is down. It must come back by itself, never crash-loop, never vote with a log it lost:
/// every node ends at the same applied index and state hash with every acknowledged write. With two of three
/// damaged nothing is set aside or re-added, writes are refused naming the damaged nodes, and reads go on.
/// </summary>
public sealed class RouterDataLossTests
{
    public static TheoryData<string, int> Damages => new()
    {
        { "wal/checkpoint", 1 },
        { "wal/checkpoint", 2 },
        { "wal/metadata", 1 },
        { "wal/metadata", 2 },
        { "wal/state", 1 },
        { "wal/state", 2 },
        { "wal/data", 1 },
        { "wal/data", 2 },
        { "snapshots", 1 },
        { "missing", 0 },
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task A_follower_whose_files_are_damaged_comes_back_with_every_acknowledged_write(string damage, int seed) =>
        await DamageAndRecoverAsync(damage, seed, leader: false);

    [Theory]
    [InlineData("wal/checkpoint", 3)]
    [InlineData("missing", 0)]
    public async Task The_node_that_led_comes_back_the_same_way(string damage, int seed) =>
        await DamageAndRecoverAsync(damage, seed, leader: true);

    [Fact]
    public async Task With_two_of_three_nodes_damaged_nothing_is_set_aside_writes_are_refused_naming_them_and_reads_go_on()
    {
        await using var cluster = await RouterCluster.StartAsync(3, Settings());
        var written = await WriteAsync(cluster, "before", 30);
        var sound = await cluster.LeaderAsync();
        var damaged = cluster.Nodes.Where(n => n != sound).ToList();
        foreach (var node in damaged)
        {
            await node.StopAsync();
            Damage(node.DataDir, "wal/checkpoint", 7);
        }

        foreach (var node in damaged) await node.StartAsync();
        var lost = await Eventually.WaitFor(async () =>
        {
            var status = await sound.ControlPlane.GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
            var names = status.Nodes.Where(n => n.HaltedReason.StartsWith("lost its data", StringComparison.Ordinal)).Select(n => n.Id).Order().ToList();
            return names.Count == 2 ? names : null;
        }, "the sound node reporting both damaged nodes", TimeSpan.FromSeconds(60), cluster.Diagnostics);
        Assert.Equal(damaged.Select(n => n.NodeId).Order(), lost);

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await sound.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("refused") }, deadline: DateTime.UtcNow.AddSeconds(8)));
        Assert.Contains($"node(s) {string.Join(", ", lost)} lost their data", refused.Status.Detail, StringComparison.Ordinal);

        // Reads of the sound node answer with everything acknowledged; the damaged nodes' files stay where they were.
        var list = await sound.ControlPlane.ListPipelinesAsync(new ListPipelinesRequest());
        Assert.Equal(written.Order(), list.Pipelines.Select(p => p.Definition.Ref.Name).Order());
        foreach (var node in damaged)
        {
            Assert.True(File.Exists(Path.Combine(node.DataDir, "wal", "checkpoint")), $"node {node.NodeId}'s log was moved");
            Assert.Empty(Directory.GetDirectories(node.DataDir, "damaged-*"));
            using var http = new HttpClient(TestCertificates.Handler());
            var ready = await http.GetAsync($"{node.HttpAddress}/readyz", TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("lost its data", await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        var etlctl = new EtlCtlRunner(new Dictionary<string, string> { ["ETLCTL_ROUTER"] = $"127.0.0.1:{sound.GrpcPort}", ["HOME"] = Path.Combine(Path.GetTempPath(), "etlctl-no-kubeconfig") });
        var (exit, output, _) = await etlctl.RunAsync("cluster", "status");
        Assert.Equal(1, exit);
        Assert.Contains("fewer than a quorum of sound nodes, so nothing is re-added automatically", output, StringComparison.Ordinal);
    }

    private static async Task DamageAndRecoverAsync(string damage, int seed, bool leader)
    {
        await using var cluster = await RouterCluster.StartAsync(3, Settings());
        try
        {
            var written = await WriteAsync(cluster, "before", 60);
            var victim = leader ? await cluster.LeaderAsync() : await cluster.FollowerAsync();
            await victim.StopAsync();
            Damage(victim.DataDir, damage, seed);
            var started = DateTime.UtcNow;
            await victim.StartAsync();
            written.AddRange(await WriteAsync(cluster, "after", 20));

            var status = await Eventually.WaitFor(async () =>
            {
                var answer = await ClusterStates.StatusAsync(cluster);
                return answer is not null && answer.Nodes.Count == 3 && answer.Nodes.All(n => n.Healthy) && answer.Nodes.Select(n => n.AppliedIndex).Distinct().Count() == 1 ? answer : null;
            }, $"node {victim.NodeId} back after damage to {damage} (seed {seed})", TimeSpan.FromSeconds(90), cluster.Diagnostics);
            // How each damage was met and how long the node took, for the record (.artifacts/router-data-loss.txt).
            var line = $"{damage} (seed {seed}, {(leader ? "leader" : "follower")}): node {victim.NodeId} back in {(DateTime.UtcNow - started).TotalSeconds:F1} s; {Recovery(status, victim)}";
            TestContext.Current.SendDiagnosticMessage(line);
            File.AppendAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(RepositoryRoot.Path, ".artifacts")).FullName, "router-data-loss.txt"), line + "\n");
            Assert.Single(status.Nodes.Select(n => n.StateHash).Distinct());

            var commit = await cluster.LeaderCommitIndexAsync();
            foreach (var node in cluster.Nodes)
            {
                var names = (await RouterTestData.ListAt(node.ControlPlane, commit)).Pipelines.Select(p => p.Definition.Ref.Name).Order().ToList();
                Assert.Equal(written.Order(), names);
            }

            // What could not be opened is kept for inspection, never deleted.
            var lastRecovery = status.Nodes.Single(n => n.Id == victim.NodeId).LastRecovery;
            if (lastRecovery.Contains("the old data is kept in", StringComparison.Ordinal))
                Assert.NotEmpty(Directory.GetDirectories(victim.DataDir, "damaged-*"));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(cluster.Diagnostics(), e);
        }
    }

    private static string Recovery(ClusterStatus status, RouterProcess victim) =>
        status.Nodes.Single(n => n.Id == victim.NodeId).LastRecovery is { Length: > 0 } recovery ? recovery : "came back without a halt (the damaged bytes were not read, or held nothing it needed)";

    // Snapshots every 50 entries, so each node keeps a snapshot file to damage as well as its log.
    private static Dictionary<string, string> Settings() => new() { ["SNAPSHOT_INTERVAL"] = "50" };

    private static async Task<List<string>> WriteAsync(RouterCluster cluster, string prefix, int count)
    {
        var names = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var name = $"{prefix}-{i:D3}";
            await Eventually.WaitUntil(async () =>
            {
                try
                {
                    var leader = await cluster.LeaderAsync();
                    await leader.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear(name) }, deadline: DateTime.UtcNow.AddSeconds(5));
                    return true;
                }
                catch (Exception e) when (e is RpcException or InvalidOperationException or TimeoutException)
                {
                    return false;
                }
            }, $"pipeline {name} acknowledged", TimeSpan.FromSeconds(30), cluster.Diagnostics);
            names.Add(name);
        }

        return names;
    }

    /// <summary>Flips bytes at random offsets of every file under <paramref name="what"/>, or removes the data directory ("missing").</summary>
    private static void Damage(string dataDir, string what, int seed)
    {
        if (what == "missing")
        {
            Directory.Delete(dataDir, recursive: true);
            return;
        }

        var random = new Random(seed);
        var path = Path.Combine(dataDir, what);
        var files = File.Exists(path) ? [path] : Directory.GetFiles(path, "*", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            // The front of a file holds its header and bookkeeping: the part whose damage the issue is about.
            var span = Math.Min(bytes.Length, 4096);
            for (var i = 0; i < 8; i++) bytes[random.Next(span)] ^= (byte)(1 + random.Next(255));
            File.WriteAllBytes(file, bytes);
        }
    }
}
