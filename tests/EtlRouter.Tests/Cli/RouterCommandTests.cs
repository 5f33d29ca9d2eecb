using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Router;
using EtlRouter.Tests.Support;
using Google.Protobuf;
using Xunit;
using EtlRouter.Contracts.Status;

namespace EtlRouter.Tests.Cli;

/// <summary>etlctl against real router processes: cluster status, pipelines, dead letters, backup and restore.</summary>
public sealed class RouterCommandTests
{
    private static EtlCtlRunner Runner(RouterProcess node) =>
        new(new Dictionary<string, string> { ["ETLCTL_ROUTER"] = $"127.0.0.1:{node.GrpcPort}", ["HOME"] = Path.Combine(Path.GetTempPath(), "etlctl-no-kubeconfig") });

    [Fact]
    public async Task Cluster_status_shows_every_node_its_role_term_and_commit_index()
    {
        await using var cluster = await RouterCluster.StartAsync(3);
        var status = await cluster.WaitForLeaderAsync();
        var (exit, output, error) = await Runner(await cluster.FollowerAsync()).RunAsync("cluster", "status");
        Assert.True(exit == 0, error);
        Assert.Contains($"Leader:        {status.LeaderId}", output, StringComparison.Ordinal);
        var rows = output.Split('\n').Where(l => cluster.Nodes.Any(n => l.StartsWith(n.NodeId + " ", StringComparison.Ordinal))).ToList();
        Assert.Equal(3, rows.Count);
        Assert.Single(rows, r => r.Contains(" leader ", StringComparison.Ordinal));
        Assert.Equal(2, rows.Count(r => r.Contains(" follower ", StringComparison.Ordinal)));
        Assert.All(rows, r => Assert.EndsWith("yes", r.TrimEnd(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cluster_verify_prints_every_nodes_state_hash_at_one_checkpoint_and_status_shows_the_hashes_and_the_log_format()
    {
        await using var cluster = await RouterCluster.StartAsync(3);
        await Router.ClusterStates.WaitForLogFormatAsync(cluster, 2);
        var etlctl = Runner(await cluster.FollowerAsync());

        var (exit, output, error) = await etlctl.RunAsync("cluster", "verify");
        Assert.True(exit == 0, $"{output}\n{error}");
        Assert.Contains("Consistent: every node holds the same state at the checkpoint.", output, StringComparison.Ordinal);
        var hashes = output.Split('\n').Where(l => cluster.Nodes.Any(n => l.StartsWith(n.NodeId + " ", StringComparison.Ordinal)))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).ToList();
        Assert.Equal(3, hashes.Count);
        Assert.Single(hashes.Distinct());
        Assert.Matches("^[0-9a-f]{32}$", hashes[0]);

        (exit, output, error) = await etlctl.RunAsync("cluster", "status");
        Assert.True(exit == 0, error);
        Assert.Contains("Log format:    2", output, StringComparison.Ordinal);
        Assert.Contains("HASH", output, StringComparison.Ordinal);
        Assert.DoesNotContain("DIVERGED", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Divergence_is_read_only_between_nodes_at_the_same_index_or_checkpoint()
    {
        var nodes = new[]
        {
            new ClusterNode { Id = "1", AppliedIndex = 10, StateHash = "aaaaaaaaaaaaaaaa", CheckpointIndex = 8, CheckpointHash = "cccccccccccccccc" },
            new ClusterNode { Id = "2", AppliedIndex = 10, StateHash = "bbbbbbbbbbbbbbbb", CheckpointIndex = 8, CheckpointHash = "cccccccccccccccc" },
            new ClusterNode { Id = "3", AppliedIndex = 9, StateHash = "dddddddddddddddd", CheckpointIndex = 8, CheckpointHash = "eeeeeeeeeeeeeeee" },
        };
        var found = ClusterDivergence.Find(nodes);
        Assert.Equal(2, found.Count);
        Assert.Equal("at applied index 10 the nodes hold different states: 1 hash aaaaaaaaaaaa; 2 hash bbbbbbbbbbbb", found[0]);
        Assert.Equal("at checkpoint 8 the nodes hold different states: 1, 2 hash cccccccccccc; 3 hash eeeeeeeeeeee", found[1]);
        Assert.Empty(ClusterDivergence.Find(nodes.Take(1)));
    }

    [Fact]
    public async Task Get_describe_graph_and_delete_pipelines_on_the_router()
    {
        await using var cluster = await RouterCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        foreach (var name in new[] { "clicks", "orders" })
            await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear(name, generation: 2) }, cancellationToken: TestContext.Current.CancellationToken);
        await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("billing", ns: "finance") }, cancellationToken: TestContext.Current.CancellationToken);
        var etlctl = Runner(node);

        var (exit, table, error) = await etlctl.RunAsync("get", "pipelines");
        Assert.True(exit == 0, error);
        Golden.Match("router-get-pipelines.txt", table);
        Golden.Match("router-get-pipelines-all.txt", (await etlctl.RunAsync("get", "pipelines", "-A", "-o", "name")).Out);
        Golden.Match("router-describe-pipeline.txt", Golden.Stable((await etlctl.RunAsync("describe", "pipeline", "orders")).Out));
        Golden.Match("router-graph.txt", (await etlctl.RunAsync("graph", "--format", "text", "-A")).Out);

        // The real executable, piped as in a script: no colour codes and no wrapping, whatever the width.
        var piped = await RunProcessAsync("describe", "pipeline", "orders", "--router", $"127.0.0.1:{node.GrpcPort}");
        Assert.Equal(0, piped.Exit);
        Assert.DoesNotContain('\u001b', piped.Out);
        Assert.Contains("<not assigned: no live sidecar serves source 'gen'; start a pod with the sidecar beside that service>", piped.Out, StringComparison.Ordinal);

        var (refused, _, refusedError) = await etlctl.RunAsync("get", "sources");
        Assert.Equal(2, refused);
        Assert.Contains("the router holds pipelines only", refusedError, StringComparison.Ordinal);

        Assert.Equal(0, (await etlctl.RunAsync("delete", "pipeline", "orders")).Exit);
        Assert.Equal(1, (await etlctl.RunAsync("delete", "pipeline", "orders")).Exit);
        var (_, left, _) = await etlctl.RunAsync("get", "pipelines", "-A", "-o", "name");
        Assert.Equal("pipeline/default/clicks\npipeline/finance/billing\n", left);
    }

    [Fact]
    public async Task Dlq_lists_shows_replays_and_purges_with_filters()
    {
        await using var cluster = await RouterCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        foreach (var name in new[] { "orders", "clicks" })
            await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear(name) }, cancellationToken: TestContext.Current.CancellationToken);
        var letters = new AppendDeadLettersRequest();
        letters.DeadLetters.Add(Letter("dl-1", "orders", "transform", "lookup failed: no region for 10.0.0.7"));
        letters.DeadLetters.Add(Letter("dl-2", "orders", "sink", "timeout writing batch"));
        letters.DeadLetters.Add(Letter("dl-3", "clicks", "transform", "lookup failed: no region for 10.9.9.9"));
        await node.DeadLetters.AppendAsync(letters, cancellationToken: TestContext.Current.CancellationToken);
        var etlctl = Runner(node);

        var (exit, all, error) = await etlctl.RunAsync("dlq", "list");
        Assert.True(exit == 0, error);
        Assert.Equal(3, Rows(all, "dl-"));
        Assert.Equal(2, Rows((await etlctl.RunAsync("dlq", "list", "-p", "orders")).Out, "dl-"));
        Assert.Equal(2, Rows((await etlctl.RunAsync("dlq", "list", "--error", "LOOKUP")).Out, "dl-"));
        Assert.Equal(1, Rows((await etlctl.RunAsync("dlq", "list", "-p", "orders", "--stage", "sink")).Out, "dl-"));
        Assert.Equal(3, Rows((await etlctl.RunAsync("dlq", "list", "--since", "1h")).Out, "dl-"));
        Assert.Equal(0, Rows((await etlctl.RunAsync("dlq", "list", "--until", "1h")).Out, "dl-"));
        Assert.Equal(2, (await etlctl.RunAsync("dlq", "list", "--since", "yesterday")).Exit);

        var (_, shown, _) = await etlctl.RunAsync("dlq", "show", "dl-2");
        Assert.Contains("timeout writing batch", shown, StringComparison.Ordinal);
        Assert.Contains("value (utf-8): {\"order\":\"dl-2\"}", shown, StringComparison.Ordinal);
        Assert.Equal(1, (await etlctl.RunAsync("dlq", "show", "dl-404")).Exit);

        var (_, replayed, _) = await etlctl.RunAsync("dlq", "replay", "--error", "lookup");
        Assert.Equal("2 dead letter(s) queued for replay\n", replayed);
        Assert.Contains("replay-requested", (await etlctl.RunAsync("dlq", "list", "-p", "clicks")).Out, StringComparison.Ordinal);

        Assert.Equal(2, (await etlctl.RunAsync("dlq", "purge")).Exit);
        var (_, purged, _) = await etlctl.RunAsync("dlq", "purge", "-p", "orders");
        Assert.Equal("2 dead letter(s) purged\n", purged);
        Assert.Equal(1, Rows((await etlctl.RunAsync("dlq", "list")).Out, "dl-"));
    }

    [Fact]
    public async Task A_backup_of_1000_pipelines_restored_into_a_fresh_cluster_holds_the_same_state()
    {
        var directory = Directory.CreateTempSubdirectory("etlctl-backups-");
        try
        {
            await using var source = await RouterCluster.StartAsync(1);
            var node = source.Nodes[0];
            // About 6 KiB a pipeline: the backup (about 6 MiB) is larger than one ordinary request may be, as a
            // real state is, and the restore below goes through a follower that forwards it to the leader.
            await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = TestContext.Current.CancellationToken }, async (i, token) =>
            {
                var pipeline = RouterTestData.Linear($"p{i:D4}", generation: 1 + (i % 3), ns: i % 2 == 0 ? "default" : "data");
                pipeline.Stages[1].Options["lookup"] = new string((char)('a' + (i % 26)), 6000);
                await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = pipeline }, cancellationToken: token);
            });
            var letters = new AppendDeadLettersRequest();
            for (var i = 0; i < 25; i++) letters.DeadLetters.Add(Letter($"dl-{i}", "p0000", "transform", $"error {i}"));
            await node.DeadLetters.AppendAsync(letters, cancellationToken: TestContext.Current.CancellationToken);

            var (created, createdOutput, createdError) = await Runner(node).RunAsync("backup", "create", "--dest", directory.FullName);
            Assert.True(created == 0, createdError);
            Assert.Contains("(1000 pipelines, 25 dead letters", createdOutput, StringComparison.Ordinal);
            var (_, listed, _) = await Runner(node).RunAsync("backup", "list", "--dest", directory.FullName);
            var id = listed.Split('\n')[1].Split(' ')[0];
            Assert.StartsWith("etl-router-", id, StringComparison.Ordinal);
            Assert.Contains(" 1000 ", listed, StringComparison.Ordinal);

            await using var target = await RouterCluster.StartAsync(3);
            var follower = await target.FollowerAsync();
            var (restored, restoredOutput, restoredError) = await Runner(follower).RunAsync("backup", "restore", id, "--source", directory.FullName);
            Assert.True(restored == 0, restoredError);
            Assert.Contains("1000 pipelines, 25 dead letters", restoredOutput, StringComparison.Ordinal);

            var expected = await RouterTestData.ListAt(node.ControlPlane, 0);
            var commit = await target.LeaderCommitIndexAsync();
            foreach (var copy in target.Nodes)
            {
                var actual = await RouterTestData.ListAt(copy.ControlPlane, commit);
                Assert.Equal(expected.Pipelines.Select(p => p.Definition), actual.Pipelines.Select(p => p.Definition));
                var dead = await copy.DeadLetters.ListAsync(new ListDeadLettersRequest { Limit = 100 }, cancellationToken: TestContext.Current.CancellationToken);
                Assert.Equal(letters.DeadLetters.Select(d => d.Id).Order(), dead.DeadLetters.Select(d => d.Id).Order());
            }

            var (missing, _, missingError) = await Runner(follower).RunAsync("backup", "restore", "etl-router-nope", "--source", directory.FullName);
            Assert.Equal(1, missing);
            Assert.Contains("backup etl-router-nope not found in", missingError, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Backups_go_to_s3_where_an_endpoint_is_configured()
    {
        var endpoint = Environment.GetEnvironmentVariable("ETL_TEST_S3_ENDPOINT");
        if (string.IsNullOrEmpty(endpoint)) Assert.Skip("ETL_TEST_S3_ENDPOINT is not set: no S3 endpoint to back up to (set it, with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, to run this)");
        var bucket = Environment.GetEnvironmentVariable("ETL_TEST_S3_BUCKET") ?? "etl-backups";

        await using var cluster = await RouterCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("s3-check") }, cancellationToken: TestContext.Current.CancellationToken);
        var etlctl = Runner(node);
        etlctl.Environment["AWS_ENDPOINT_URL_S3"] = endpoint;
        foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION" })
        {
            if (Environment.GetEnvironmentVariable(name) is { } value) etlctl.Environment[name] = value;
        }

        var prefix = $"s3://{bucket}/test-{Guid.NewGuid():N}";
        var (created, _, error) = await etlctl.RunAsync("backup", "create", "--dest", prefix);
        Assert.True(created == 0, error);
        var (_, listed, _) = await etlctl.RunAsync("backup", "list", "--dest", prefix);
        var id = listed.Split('\n')[1].Split(' ')[0];
        await node.ControlPlane.DeletePipelineAsync(new DeletePipelineRequest { Ref = new PipelineRef { Namespace = "default", Name = "s3-check" } }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, (await etlctl.RunAsync("backup", "restore", id, "--source", prefix)).Exit);
        Assert.Equal("pipeline/default/s3-check\n", (await etlctl.RunAsync("get", "pipelines", "-o", "name")).Out);
    }

    private static async Task<(int Exit, string Out)> RunProcessAsync(params string[] args)
    {
        var dll = ChildProcess.Built("Cli", "etlctl");
        var run = await ProcessRun.RunAsync("dotnet", [dll, .. args], TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["ETLCTL_TLS_DIR"] = TestCertificates.DirectoryFor(TestCertificates.Admin) });
        return (run.ExitCode, run.Output);
    }

    private static int Rows(string output, string prefix) => output.Split('\n').Count(l => l.StartsWith(prefix, StringComparison.Ordinal));

    private static DeadLetter Letter(string id, string pipeline, string stage, string error) => new()
    {
        Id = id,
        Pipeline = new PipelineRef { Namespace = "default", Name = pipeline },
        Stage = stage,
        Error = error,
        Attempts = 3,
        FirstFailedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(-5)),
        LastFailedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(-1)),
        Record = new EtlRouter.Contracts.V1.Record { Id = $"r-{id}", Value = ByteString.CopyFromUtf8($"{{\"order\":\"{id}\"}}") },
    };
}
