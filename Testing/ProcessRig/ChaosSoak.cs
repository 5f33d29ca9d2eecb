using System.Diagnostics;
using System.Globalization;
using System.Text;
using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using EtlRouter.Entities.Schema;
using EtlRouter.OperatorRuntime.Client;
using EtlRouter.Testing.KubeApiServer;
using k8s;
using Npgsql;

namespace EtlRouter.Testing.ProcessRig;

/// <summary>How long and how hard the soak shakes the system.</summary>
/// <param name="Records">What the source produces (ids gen-0 .. gen-N-1).</param>
/// <param name="Rate">Records per second the source offers.</param>
/// <param name="KillEvery">The mean time between two kills (each a random victim, restarted shortly after).</param>
/// <param name="Seed">The random choices, so a failing run can be replayed.</param>
/// <param name="Deadline">How long everything may take, kills and the drain after them.</param>
public sealed record ChaosSoakSettings(int Records, int Rate, TimeSpan KillEvery, int Seed, TimeSpan Deadline);

/// <summary>What a soak survived and what came out of it; <see cref="Lost"/> and <see cref="Duplicates"/> must be 0.</summary>
public sealed record ChaosSoakReport(
    int Records,
    IReadOnlyDictionary<string, int> Kills,
    int Written,
    int DeadLettered,
    int Lost,
    int Duplicates,
    TimeSpan LongestStall,
    TimeSpan Elapsed,
    IReadOnlyList<string> Timeline)
{
    public int TotalKills => Kills.Values.Sum();

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Records} records x 2 sinks, {TotalKills} kills ({string.Join(", ", Kills.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}"))}): written {Written}, dead-lettered {DeadLettered}, lost {Lost}, duplicates {Duplicates}, longest stall {LongestStall.TotalSeconds:0.0} s, {Elapsed.TotalSeconds:0} s in all");
}

/// <summary>
/// The chaos soak: a pipeline with fan-out and a transform writing into PostgreSQL (source -> raw sink, and source ->
/// mask-pii -> masked sink; the Postgres sink is idempotent by record id), managed by the operator through an API
/// server, on a three-node router. While the source produces, a driver kill -9s at random sidecars (the source's
/// included), the transform's and sinks' connectors, router nodes (the leader among them) and the operator,
/// restarting each. Afterwards every record must be in each
/// table exactly once, or in the dead-letter queue with its error.
/// </summary>
public static class ChaosSoak
{
    private static readonly string[] Kinds = ["sidecar", "connector", "router-node", "router-leader", "operator"];

    public static async Task<ChaosSoakReport> RunAsync(string postgres, ChaosSoakSettings settings, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(settings.Seed);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (rawTable, maskedTable) = ($"soak_raw_{suffix}", $"soak_masked_{suffix}");
        var timeline = new List<string>();
        void Note(string what)
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");
            timeline.Add(line);
            log(line);
        }

        await using var rig = await DataPlaneRig.StartAsync(routerNodes: 3);
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", $"{settings.Records}", "--rate", $"{settings.Rate}");
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        var raw = await rig.ConnectorAsync("postgres", "raw", "--connection", postgres, "--table", rawTable);
        var masked = await rig.ConnectorAsync("postgres", "masked", "--connection", postgres, "--table", maskedTable);
        var sidecars = new[]
        {
            await rig.SidecarAsync("pod-source", generator),
            await rig.SidecarAsync("pod-mask", mask),
            await rig.SidecarAsync("pod-raw", raw),
            await rig.SidecarAsync("pod-masked", masked),
        };
        // The source's connector is the origin of the records, not a stage: a restarted generator starts again at
        // gen-0, which makes "what was produced" depend on when it died. The transform's and sinks' connectors die.
        var connectors = new[] { mask, raw, masked };

        // The operator, against an API server of its own, owns the pipeline: killing it must not disturb the flow.
        await using var api = await TestApiServer.StartAsync();
        using var client = api.CreateClient();
        foreach (var type in EtlKinds.All)
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(CrdBuilder.Build(type));
        var kubeconfig = Path.Combine(rig.Directory, "kubeconfig");
        await File.WriteAllLinesAsync(kubeconfig,
        [
            "apiVersion: v1", "kind: Config",
            $"clusters: [{{name: test, cluster: {{server: \"{api.Url.ToString().TrimEnd('/')}\"}}}}]",
            "users: [{name: test, user: {token: soak}}]",
            "contexts: [{name: test, context: {cluster: test, user: test}}]", "current-context: test",
        ]);
        using var @operator = new OperatorProcess("soak-operator", kubeconfig, rig.RouterNode.GrpcAddress);
        await @operator.StartAsync();
        var entities = new EntityClient(client);
        await entities.CreateAsync(new EtlSource { Metadata = new() { Name = "gen", NamespaceProperty = "default" } });
        await entities.CreateAsync(new EtlTransform { Metadata = new() { Name = "mask", NamespaceProperty = "default" } });
        await entities.CreateAsync(new EtlSink { Metadata = new() { Name = "raw", NamespaceProperty = "default" } });
        await entities.CreateAsync(new EtlSink { Metadata = new() { Name = "masked", NamespaceProperty = "default" } });
        await entities.CreateAsync(new EtlPipeline
        {
            Metadata = new() { Name = "soak", NamespaceProperty = "default" },
            Spec = new PipelineSpec
            {
                Stages =
                [
                    new PipelineStageSpec { Name = "source", Source = "gen" },
                    new PipelineStageSpec { Name = "raw", Sink = "raw", Inputs = ["source"] },
                    new PipelineStageSpec { Name = "mask", Transform = "mask", Inputs = ["source"] },
                    new PipelineStageSpec { Name = "masked", Sink = "masked", Inputs = ["mask"] },
                ],
                // Retries outlast a restart (a connector is back within about two seconds), so few records end in the DLQ.
                Dlq = new DeadLetterSpec { MaxRetries = 12 },
                FlowControl = new FlowControlSpec { BatchSize = 100, MaxInFlight = 1000 },
            },
        });
        await Eventually.WaitUntil(async () => await CountAsync(postgres, rawTable) > 0, "the first records in PostgreSQL", TimeSpan.FromSeconds(60), rig.Diagnostics);
        Note("records flowing; the chaos starts");

        var kills = Kinds.ToDictionary(k => k, _ => 0);
        var done = false;
        var longestStall = TimeSpan.Zero;
        using var stop = new CancellationTokenSource(settings.Deadline);
        var monitor = Task.Run(async () =>
        {
            var lastProgress = Stopwatch.StartNew();
            long last = -1;
            while (!stop.IsCancellationRequested && !done)
            {
                var now = await CountAsync(postgres, rawTable) + await CountAsync(postgres, maskedTable);
                if (now != last)
                {
                    last = now;
                    lastProgress.Restart();
                }
                else if (lastProgress.Elapsed > longestStall)
                {
                    longestStall = lastProgress.Elapsed;
                }

                await Task.Delay(200);
            }
        });

        // Kill while the source still produces; then let everything drain. The kinds come in shuffled rounds, so
        // every kind is hit once before any is hit twice; the victim within a kind is random.
        var round = new Queue<string>();
        while (!stop.IsCancellationRequested && await SentAsync(generator) < settings.Records)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(settings.KillEvery.TotalMilliseconds * (0.5 + random.NextDouble())));
            if (round.Count == 0) foreach (var next in Kinds.OrderBy(_ => random.Next())) round.Enqueue(next);
            var kind = round.Dequeue();
            kills[kind]++;
            switch (kind)
            {
                case "sidecar":
                    var sidecar = sidecars[random.Next(sidecars.Length)];
                    Note($"kill -9 sidecar {sidecar.Id}");
                    await RestartAsync(sidecar.Process, random);
                    break;
                case "connector":
                    var connector = connectors[random.Next(connectors.Length)];
                    Note($"kill -9 connector {connector.Name}");
                    await RestartAsync(connector.Process, random);
                    break;
                case "router-node":
                case "router-leader":
                    var node = kind == "router-leader" ? await rig.Router.LeaderAsync() : rig.Router.Nodes[random.Next(rig.Router.Nodes.Count)];
                    Note($"kill -9 router node {node.NodeId}{(kind == "router-leader" ? " (the leader)" : string.Empty)}");
                    node.Kill();
                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(200, 1500)));
                    node.Start();
                    break;
                default:
                    Note("kill -9 the operator");
                    await RestartAsync(@operator.Process, random);
                    break;
            }
        }

        Note("the source has produced everything; the chaos stops");
        var everything = settings.Records;
        try
        {
            await Eventually.WaitUntil(async () =>
            {
                var deadLettered = await DeadLetteredAsync(rig);
                return await CountAsync(postgres, rawTable) + deadLettered.Count(d => d.Stage == "raw") >= everything
                    && await CountAsync(postgres, maskedTable) + deadLettered.Count(d => d.Stage is "mask" or "masked") >= everything;
            }, "every record in PostgreSQL or the dead-letter queue", settings.Deadline - clock.Elapsed > TimeSpan.FromSeconds(10) ? settings.Deadline - clock.Elapsed : TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            Note("timed out waiting for the last records");
        }

        done = true;
        await monitor;
        Note("drained");

        var expected = Enumerable.Range(0, settings.Records).Select(i => $"gen-{i}").ToHashSet();
        var dead = await DeadLetteredAsync(rig);
        var lost = 0;
        var duplicates = 0;
        var written = 0;
        foreach (var (table, stages) in new[] { (rawTable, new[] { "raw" }), (maskedTable, new[] { "mask", "masked" }) })
        {
            var ids = await PostgresTables.IdsAsync(postgres, table);
            written += ids.Count;
            duplicates += ids.Count - ids.Distinct().Count();
            duplicates += ids.Count(id => !expected.Contains(id));
            var accounted = ids.Concat(dead.Where(d => stages.Contains(d.Stage)).Select(d => d.Record.Id)).ToHashSet();
            lost += expected.Count(id => !accounted.Contains(id));
        }

        await DropAsync(postgres, rawTable, maskedTable);
        return new ChaosSoakReport(settings.Records, kills, written, dead.Count, lost, duplicates, longestStall, clock.Elapsed, timeline);
    }

    /// <summary>What the (current) generator has sent; 0 while it restarts.</summary>
    private static async Task<long> SentAsync(ConnectorProcess generator)
    {
        try
        {
            return await generator.StatAsync("sent");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }

    private static async Task RestartAsync(ChildProcess process, Random random)
    {
        process.Kill();
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(100, 1000)));
        process.Start();
    }

    private static async Task<IReadOnlyList<DeadLetter>> DeadLetteredAsync(DataPlaneRig rig)
    {
        try
        {
            return await rig.DeadLettersAsync(new DeadLetterFilter { Pipeline = new PipelineRef { Namespace = "default", Name = "soak" } });
        }
        catch (Grpc.Core.RpcException)
        {
            // Node 0 restarting: no answer this time.
            return [];
        }
    }

    private static async Task<long> CountAsync(string connection, string table)
    {
        await using var source = NpgsqlDataSource.Create(connection);
        await using var command = source.CreateCommand($"SELECT count(*) FROM {table}");
        try
        {
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (PostgresException e) when (e.SqlState == "42P01")
        {
            return 0;
        }
    }

    private static async Task DropAsync(string connection, params string[] tables)
    {
        await using var source = NpgsqlDataSource.Create(connection);
        await using var command = source.CreateCommand($"DROP TABLE IF EXISTS {string.Join(", ", tables)}");
        await command.ExecuteNonQueryAsync();
    }
}
