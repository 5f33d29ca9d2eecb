using System.Text.RegularExpressions;
using EtlRouter.Entities.Schema;
using EtlRouter.Testing.KubeApiServer;
using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.Metrics;

/// <summary>The metric table in docs/metrics.md is what the processes export, and what the Grafana dashboard reads.</summary>
public sealed class MetricNamesTests
{
    [Fact]
    public async Task The_names_scraped_from_running_processes_are_the_readmes_table()
    {
        var table = MetricTable.Read();
        Assert.True(table.Count >= 25, $"the table has {table.Count} rows");

        // A router, and a pipeline whose transform fails some records (so retries and dead letters count too) and
        // whose sink takes only seq < 400 (so unmatched records count: dropped).
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "500");
        var check = await rig.ConnectorAsync("filter", "check", "--expression", "exists seq", "--fail-every", "100");
        var source = await rig.SidecarAsync("pod-source", generator);
        var transform = await rig.SidecarAsync("pod-transform", check);
        var sink = await rig.SidecarAsync("pod-sink", await rig.ConnectorAsync("file", "files", "--path", output));
        var metered = Build("metered", maxRetries: 1, stages: [Source("source", "gen"), Transform("check", "check", "source"), Sink("sink", "files", "check").When("check", "seq < 400")]);
        metered.Unmatched = EtlRouter.Contracts.V1.UnmatchedRecords.Drop;
        await rig.ApplyAsync(metered);
        await NdjsonFile.WaitForIdsAsync(output, 396, rig.Diagnostics);

        // The operator against the test API server, reconciling a pipeline of its own.
        await using var api = await TestApiServer.StartAsync();
        using var client = api.CreateClient();
        foreach (var type in EtlRouter.Entities.Resources.EtlKinds.All)
            await k8s.ApiextensionsV1OperationsExtensions.CreateCustomResourceDefinitionAsync(client.ApiextensionsV1, CrdBuilder.Build(type));
        var kubeconfig = Path.Combine(rig.Directory, "kubeconfig");
        var server = api.Url.ToString().TrimEnd('/');
        await File.WriteAllLinesAsync(kubeconfig,
        [
            "apiVersion: v1",
            "kind: Config",
            $"clusters: [{{name: test, cluster: {{server: \"{server}\"}}}}]",
            "users: [{name: test, user: {token: metrics-test}}]",
            "contexts: [{name: test, context: {cluster: test, user: test}}]",
            "current-context: test",
        ]);
        using var @operator = new OperatorProcess("metrics-operator", kubeconfig, rig.RouterNode.GrpcAddress);
        await @operator.StartAsync();
        var entities = new EtlRouter.OperatorRuntime.Client.EntityClient(client);
        await entities.CreateAsync(new EtlRouter.Entities.Resources.EtlSource { Metadata = new() { Name = "gen", NamespaceProperty = "default" } });

        var scraped = new Dictionary<string, IReadOnlySet<string>>();
        await Eventually.WaitUntil(async () =>
        {
            scraped["router"] = MetricTable.Families(await HttpGetAsync(rig.RouterNode.HttpPort));
            scraped["sidecar"] = MetricTable.Families(await source.MetricsAsync()).Concat(MetricTable.Families(await transform.MetricsAsync())).Concat(MetricTable.Families(await sink.MetricsAsync())).ToHashSet();
            scraped["operator"] = MetricTable.Families(await @operator.MetricsAsync());
            return table.Where(r => r.Always || r.Process == "sidecar").All(r => scraped[r.Process].Contains(r.Name));
        }, "every metric the table says is always there (and the sidecars' after a run with failures) scraped", TimeSpan.FromSeconds(40), () =>
            string.Join("\n", table.Where(r => (r.Always || r.Process == "sidecar") && !(scraped.GetValueOrDefault(r.Process)?.Contains(r.Name) ?? false)).Select(r => $"missing: {r.Process} {r.Name}"))
            + "\nscraped: " + string.Join(", ", scraped.SelectMany(s => s.Value.Select(n => $"{s.Key}:{n}"))));

        foreach (var (process, names) in scraped)
        {
            var unlisted = names.Where(n => !table.Any(r => r.Name == n && r.Process == process)).ToList();
            Assert.True(unlisted.Count == 0, $"{process} exports what docs/metrics.md's table does not list: {string.Join(", ", unlisted)}");
        }
    }

    [Fact]
    public void The_Grafana_dashboard_reads_only_names_from_the_table()
    {
        var table = MetricTable.Read().Select(r => r.Name).ToHashSet();
        var dashboard = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "helm", "etl-router", "files", "grafana-dashboard.json"));
        var used = Regex.Matches(dashboard, @"\b(etl_[a-z_]+?)(_bucket|_sum|_count)?\b").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.True(used.Count >= 10, $"the dashboard reads {used.Count} metrics");
        var unknown = used.Where(n => !table.Contains(n)).ToList();
        Assert.True(unknown.Count == 0, $"the Grafana dashboard reads metrics docs/metrics.md's table does not have: {string.Join(", ", unknown)}");
    }

    private static async Task<string> HttpGetAsync(int port)
    {
        // The router's HTTP port is TLS: a scraper needs no certificate of its own, only the CA to trust.
        using var http = new HttpClient(TestCertificates.Handler());
        return await http.GetStringAsync($"https://127.0.0.1:{port}/metrics");
    }
}
