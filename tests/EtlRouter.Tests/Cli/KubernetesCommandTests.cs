using System.Text.Json.Nodes;
using EtlRouter.Entities.Resources;
using EtlRouter.Tests.Support;
using k8s;
using k8s.Models;
using Xunit;

namespace EtlRouter.Tests.Cli;

/// <summary>apply, get, describe and delete against the test API server through a kubeconfig.</summary>
public sealed class KubernetesCommandTests : IAsyncLifetime
{
    private static readonly string Samples = Path.Combine(RepositoryRoot.Path, "config", "samples");
    private readonly DirectoryInfo home = Directory.CreateTempSubdirectory("etlctl-home-");
    private OperatorHarness harness = null!;
    private EtlCtlRunner etlctl = null!;

    public async ValueTask InitializeAsync()
    {
        harness = await OperatorHarness.StartAsync(startOperator: false);
        etlctl = EtlCtlRunner.For(harness.Api, home.FullName);
    }

    public async ValueTask DisposeAsync()
    {
        await harness.DisposeAsync();
        home.Delete(recursive: true);
    }

    [Fact]
    public async Task Apply_creates_then_leaves_unchanged_then_configures_and_dry_run_writes_nothing()
    {
        var (exit, output, error) = await etlctl.RunAsync("apply", "-f", Samples);
        Assert.True(exit == 0, error);
        Golden.Match("apply-samples.txt", output);
        Assert.NotNull(await harness.Entities.GetAsync<EtlPipeline>("default", "user-analytics", TestContext.Current.CancellationToken));

        var (again, unchanged, _) = await etlctl.RunAsync("apply", "-f", Samples);
        Assert.Equal(0, again);
        Assert.All(unchanged.Trim().Split('\n'), line => Assert.EndsWith(" unchanged", line, StringComparison.Ordinal));

        var changed = File.ReadAllText(Path.Combine(Samples, "etl_v1_etlpipeline_linear.yaml")).Replace("maxRetries: 3", "maxRetries: 5", StringComparison.Ordinal);
        var (dry, dryOutput, _) = await etlctl.RunWithInputAsync(changed, "apply", "-f", "-", "--dry-run");
        Assert.Equal(0, dry);
        Assert.Equal("etlpipeline.etl.router/user-analytics configured (dry run)\n", dryOutput);
        Assert.Equal(3, (await harness.Entities.GetAsync<EtlPipeline>("default", "user-analytics", TestContext.Current.CancellationToken))!.Spec.Dlq!.MaxRetries);

        var (real, realOutput, _) = await etlctl.RunWithInputAsync(changed, "apply", "-f", "-");
        Assert.Equal(0, real);
        Assert.Equal("etlpipeline.etl.router/user-analytics configured\n", realOutput);
        Assert.Equal(5, (await harness.Entities.GetAsync<EtlPipeline>("default", "user-analytics", TestContext.Current.CancellationToken))!.Spec.Dlq!.MaxRetries);
    }

    [Fact]
    public async Task Apply_with_one_invalid_document_applies_nothing_and_names_the_document_and_field()
    {
        var manifest = """
            apiVersion: etl.router/v1
            kind: Source
            metadata: {name: fine}
            spec: {serviceName: generator}
            ---
            apiVersion: etl.router/v1
            kind: Pipeline
            metadata: {name: broken}
            spec: {source: fine, steps: [], sink: ""}
            """;
        var (exit, _, error) = await etlctl.RunWithInputAsync(manifest, "apply", "-f", "-");
        Assert.Equal(1, exit);
        Assert.Contains("-, document 2 (line 6): spec.", error, StringComparison.Ordinal);
        Assert.Contains("nothing was applied", error, StringComparison.Ordinal);
        Assert.Null(await harness.Entities.GetAsync<EtlSource>("default", "fine", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Get_shows_tables_sized_like_kubectls_wide_yaml_json_name_selectors_and_all_namespaces()
    {
        Assert.Equal(0, (await etlctl.RunAsync("apply", "-f", Samples)).Exit);
        var labelled = """
            apiVersion: etl.router/v1
            kind: EtlSource
            metadata: {name: orders-db, labels: {team: data}}
            spec: {serviceName: postgres-cdc}
            """;
        Assert.Equal(0, (await etlctl.RunWithInputAsync(labelled, "apply", "-f", "-", "-n", "shop")).Exit);
        await WriteStatusAsync();

        Golden.Match("get-pipelines.txt", Golden.Stable((await etlctl.RunAsync("get", "pipelines")).Out));
        Golden.Match("get-pipelines-wide.txt", Golden.Stable((await etlctl.RunAsync("get", "etlp", "-o", "wide")).Out));
        Golden.Match("get-sources-all-namespaces.txt", Golden.Stable((await etlctl.RunAsync("get", "Source", "-A")).Out));

        var (_, names, _) = await etlctl.RunAsync("get", "sources", "-A", "-l", "team=data", "-o", "name");
        Assert.Equal("etlsource.etl.router/orders-db\n", names);

        var (_, json, _) = await etlctl.RunAsync("get", "pipeline", "user-analytics", "-o", "json");
        Assert.Equal("user-analytics", JsonNode.Parse(json)!["metadata"]!["name"]!.ToString());
        var (_, yaml, _) = await etlctl.RunAsync("get", "pipelines", "-o", "yaml");
        var list = new YamlDotNet.Serialization.Deserializer().Deserialize<Dictionary<string, object>>(yaml);
        Assert.Equal("List", list["kind"]);
        Assert.Equal(3, ((List<object>)list["items"]).Count);

        var (missing, _, missingError) = await etlctl.RunAsync("get", "pipeline", "nope");
        Assert.Equal(1, missing);
        Assert.Contains("etlpipelines.etl.router \"nope\" not found in namespace default", missingError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_shows_spec_conditions_stages_and_pods_throughput_dead_letters_and_events()
    {
        Assert.Equal(0, (await etlctl.RunAsync("apply", "-f", Samples)).Exit);
        await WriteStatusAsync();
        var (exit, output, error) = await etlctl.RunAsync("describe", "pipeline", "user-analytics");
        Assert.True(exit == 0, error);
        Golden.Match("describe-pipeline.txt", Golden.Stable(output));
    }

    [Fact]
    public async Task Delete_by_name_and_by_file_and_a_missing_object_exits_1_unless_ignored()
    {
        Assert.Equal(0, (await etlctl.RunAsync("apply", "-f", Samples)).Exit);
        var (exit, output, _) = await etlctl.RunAsync("delete", "pipeline", "user-analytics");
        Assert.Equal(0, exit);
        Assert.Equal("etlpipeline.etl.router/user-analytics deleted\n", output);
        Assert.Equal(1, (await etlctl.RunAsync("delete", "pipeline", "user-analytics")).Exit);
        Assert.Equal(0, (await etlctl.RunAsync("delete", "pipeline", "user-analytics", "--ignore-not-found")).Exit);

        var (byFile, fileOutput, _) = await etlctl.RunAsync("delete", "-f", Path.Combine(Samples, "etl_v1_etlsink.yaml"));
        Assert.Equal(0, byFile);
        Assert.Contains("etlsink.etl.router/", fileOutput, StringComparison.Ordinal);
        Assert.Empty((await harness.Entities.ListAsync<EtlSink>("default", cancellationToken: TestContext.Current.CancellationToken)).Items);
    }

    /// <summary>What the operator would have written: conditions, stages and where they run, counts; and an event.</summary>
    private async Task WriteStatusAsync()
    {
        var token = TestContext.Current.CancellationToken;
        var pipeline = (await harness.Entities.GetAsync<EtlPipeline>("default", "user-analytics", token))!;
        var at = new DateTime(2026, 11, 28, 10, 0, 0, DateTimeKind.Utc);
        pipeline.Status.Conditions =
        [
            new V1Condition { Type = "Ready", Status = "True", Reason = "Running", Message = "all 4 stages run on 3 sidecar(s)", LastTransitionTime = at, ObservedGeneration = 1 },
            new V1Condition { Type = "Progressing", Status = "False", Reason = "Running", Message = "all stages assigned", LastTransitionTime = at, ObservedGeneration = 1 },
            new V1Condition { Type = "Degraded", Status = "False", Reason = "Running", Message = "", LastTransitionTime = at, ObservedGeneration = 1 },
        ];
        pipeline.Status.ObservedGeneration = 1;
        pipeline.Status.StagesReady = "4/4";
        pipeline.Status.RecordsIn = 120_000;
        pipeline.Status.RecordsOut = 119_950;
        pipeline.Status.DlqCount = 50;
        pipeline.Status.Stages =
        [
            Stage("kafka-users", "Source", "kafka-users", "ingest-0"),
            Stage("filter-active", "Transform", "filter-active", "transform-0"),
            Stage("mask-pii", "Transform", "mask-pii", "transform-0", "transform-1"),
            Stage("clickhouse-analytics", "Sink", "clickhouse-analytics", "loader-0"),
        ];
        await harness.Entities.ReplaceStatusAsync(pipeline, token);
        await harness.Client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "user-analytics.1", NamespaceProperty = "default" },
            InvolvedObject = new V1ObjectReference { Kind = "EtlPipeline", Name = "user-analytics", NamespaceProperty = "default", ApiVersion = "etl.router/v1" },
            Type = "Normal",
            Reason = "Applied",
            Message = "Pushed generation 1 to the router (created, commit index 12)",
            LastTimestamp = DateTime.UtcNow.AddSeconds(-30),
        }, "default", cancellationToken: token);
    }

    private static PipelineStageStatus Stage(string name, string kind, string service, params string[] pods) => new()
    {
        Name = name,
        Kind = kind,
        Service = service,
        Assignments = pods.Select(p => new ServiceEndpointStatus { Pod = $"default/{p}", SidecarId = p, Address = "10.0.0.1:9091" }).ToList(),
    };
}
