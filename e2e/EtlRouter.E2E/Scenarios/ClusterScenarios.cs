using EtlRouter.E2E.Targets;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Resources;
using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.OperatorRuntime.Client;
using EtlRouter.Tests.Support;
using k8s;
using Xunit;

namespace EtlRouter.E2E.Scenarios;

/// <summary>
/// What a platform engineer does with ETL Router on a cluster, written once and run against every target
/// (<see cref="OnRealApiServer"/>, <see cref="OnK3s"/>, <see cref="OnKubeconfigCluster"/>, and with real pods
/// <see cref="OnOneNodeCluster"/>): kubectl and
/// server-side apply, status and events in `kubectl get` and `describe`, finalizers on delete, `kubectl wait`
/// for a pipeline whose stages are served, and the webhooks as the API server calls them. Each scenario works in a
/// namespace of its own.
/// </summary>
public abstract class ClusterScenarios(ClusterTarget target) : IAsyncDisposable
{
    protected ClusterTarget Target => target;

    private Kubectl Kubectl => target.Kubectl;

    private EntityClient Entities => new(target.Admin);

    private static string Samples => Path.Combine(RepositoryRoot.Path, "config", "samples");

    [Fact]
    public async Task The_samples_apply_with_kubectl_and_get_and_describe_show_what_the_operator_made_of_them()
    {
        target.Require();
        var ns = await target.NamespaceAsync("samples");

        await Kubectl.MustAsync("apply", "-k", Samples, "-n", ns);

        // The router knows no sidecar for the samples' services: the pipelines wait for one, as they should.
        await WaitForPipelineAsync(ns, "user-analytics", p => p.Status.Find(ConditionTypes.Ready)?.Reason == ConditionReasons.StagesPending);
        await WaitForPipelineAsync(ns, "orders-and-users", p => p.Status.Find(ConditionTypes.Ready)?.Reason == ConditionReasons.StagesPending);

        // The router cluster is reconciled to the end (StatefulSet, Services, and a PodDisruptionBudget in the
        // policy version this server serves); its replicas are not ready then (without a kubelet, never).
        await Eventually.WaitUntil(
            async () => (await Entities.GetAsync<EtlRouterCluster>(ns, "etl-router"))?.Status.Find(ConditionTypes.Ready)?.Reason == ConditionReasons.ReplicasNotReady,
            "the sample EtlRouterCluster reconciled (ReplicasNotReady)",
            TimeSpan.FromSeconds(60),
            target.DescribeOperator);
        await Kubectl.MustAsync("get", "poddisruptionbudget/etl-router", "statefulset/etl-router", "service/etl-router", "service/etl-router-raft", "-n", ns);

        var get = await Kubectl.MustAsync("get", "etl", "-n", ns);
        Assert.Contains("etlpipeline.etl.router/user-analytics", get, StringComparison.Ordinal);
        Assert.Contains("etlsource.etl.router/kafka-users", get, StringComparison.Ordinal);
        Assert.Contains("etlroutercluster.etl.router/etl-router", get, StringComparison.Ordinal);
        var pipelines = await Kubectl.MustAsync("get", "etlpipelines", "-n", ns);
        Assert.Matches(@"NAME\s+READY\s+REASON\s+STAGES", pipelines);
        Assert.Matches(@"user-analytics\s+False\s+StagesPending\s+[0-3]/4", pipelines);

        var describe = await Kubectl.MustAsync("describe", "etlpipeline", "user-analytics", "-n", ns);
        Assert.Contains("Conditions:", describe, StringComparison.Ordinal);
        Assert.Contains("waiting for a sidecar to serve stage(s)", describe, StringComparison.Ordinal);
        Assert.Contains("Events:", describe, StringComparison.Ordinal);
        Assert.Matches(@"Normal\s+Applied\s+.*Pushed generation 1 to router cluster \S+/etl-router", describe);
    }

    [Fact]
    public async Task Server_side_apply_as_a_GitOps_controller_does_and_the_operators_status_writes_never_conflict()
    {
        target.Require();
        var ns = await target.NamespaceAsync("ssa");
        string Manifests(int maxRetries) => $"""
            apiVersion: etl.router/v1
            kind: EtlSource
            metadata: {"{"}name: gitops-source{"}"}
            ---
            apiVersion: etl.router/v1
            kind: EtlSink
            metadata: {"{"}name: gitops-sink{"}"}
            ---
            apiVersion: etl.router/v1
            kind: EtlPipeline
            metadata: {"{"}name: gitops{"}"}
            spec:
              source: gitops-source
              sink: gitops-sink
              dlq: {"{"}enabled: true, maxRetries: {maxRetries}{"}"}
            """;

        await Kubectl.ApplyAsync(Manifests(3), "--server-side", "--field-manager=flux", "-n", ns);
        await WaitForPipelineAsync(ns, "gitops", p => p.Status.ObservedGeneration == 1 && p.Metadata.Finalizers?.Count > 0 && p.Status.Conditions.Count > 0);

        // Flux applies again with a change, without --force-conflicts: status and finalizers are not its fields.
        await Kubectl.ApplyAsync(Manifests(5), "--server-side", "--field-manager=flux", "-n", ns);
        var pipeline = await WaitForPipelineAsync(ns, "gitops", p => p.Metadata.Generation == 2 && p.Status.ObservedGeneration == 2);
        Assert.Equal(5, pipeline.Spec.Dlq?.MaxRetries);
        Assert.NotEmpty(pipeline.Metadata.Finalizers);
        Assert.Equal(ConditionReasons.StagesPending, pipeline.Status.Find(ConditionTypes.Ready)?.Reason);
        var flux = Assert.Single(pipeline.Metadata.ManagedFields, m => m.Manager == "flux");
        Assert.Equal("Apply", flux.Operation);
        Assert.Contains("f:spec", flux.FieldsV1.ToString() ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains(pipeline.Metadata.ManagedFields, m => m.Manager != "flux" && m.Operation == "Update");

        // And once more, unchanged: nothing to do, still no conflict.
        await Kubectl.ApplyAsync(Manifests(5), "--server-side", "--field-manager=flux", "-n", ns);
    }

    [Fact]
    public async Task Kubectl_delete_runs_the_finalizer_to_the_end_and_the_router_forgets_the_pipeline()
    {
        target.Require();
        var ns = await target.NamespaceAsync("delete");
        await Kubectl.ApplyAsync("""
            apiVersion: etl.router/v1
            kind: EtlSource
            metadata: {name: doomed-source}
            ---
            apiVersion: etl.router/v1
            kind: EtlSink
            metadata: {name: doomed-sink}
            ---
            apiVersion: etl.router/v1
            kind: EtlPipeline
            metadata: {name: doomed}
            spec: {source: doomed-source, sink: doomed-sink}
            """, "-n", ns);
        await WaitForPipelineAsync(ns, "doomed", p => p.Metadata.Finalizers?.Count > 0 && p.Status.ObservedGeneration == 1);
        Assert.True(await target.RouterHasPipelineAsync(ns, "doomed"), "the router does not hold the pipeline the operator pushed");

        // kubectl delete waits for the object to be gone, which only the finalizer's end allows.
        await Kubectl.MustAsync("delete", "etlpipeline", "doomed", "-n", ns, "--timeout=60s");
        var after = await Kubectl.RunAsync("get", "etlpipeline", "doomed", "-n", ns);
        Assert.False(after.Succeeded);
        Assert.Contains("NotFound", after.Errors, StringComparison.Ordinal);
        Assert.False(await target.RouterHasPipelineAsync(ns, "doomed"), "the router still holds the deleted pipeline");
    }

    [Fact]
    public async Task Kubectl_wait_for_Ready_returns_once_sidecars_serve_every_stage_and_records_flow()
    {
        target.Require();
        var ns = await target.NamespaceAsync("ready");
        var output = await target.ServeAsync(ns, $"{ns}-gen", $"{ns}-file", count: 400);

        await Kubectl.ApplyAsync($"""
            apiVersion: etl.router/v1
            kind: EtlSource
            metadata: {"{"}name: {ns}-gen{"}"}
            ---
            apiVersion: etl.router/v1
            kind: EtlSink
            metadata: {"{"}name: {ns}-file{"}"}
            ---
            apiVersion: etl.router/v1
            kind: EtlPipeline
            metadata: {"{"}name: served{"}"}
            spec: {"{"}source: {ns}-gen, sink: {ns}-file{"}"}
            """, "-n", ns);

        // Long enough for pods to start on a busy node.
        await Kubectl.MustAsync("wait", "--for=condition=Ready", "etlpipeline/served", "-n", ns, "--timeout=180s");
        var pipeline = await Entities.GetAsync<EtlPipeline>(ns, "served");
        Assert.Equal(ConditionReasons.Running, pipeline!.Status.Find(ConditionTypes.Ready)?.Reason);
        Assert.Equal("2/2", pipeline.Status.StagesReady);
        await Eventually.WaitUntil(() => File.Exists(output) && NdjsonFile.Ids(output).Count == 400, "all 400 records in the sink's file", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_api_server_refuses_every_broken_pipeline_with_the_webhooks_or_the_schemas_message()
    {
        target.RequireWebhooks();
        var ns = await target.NamespaceAsync("broken");
        var sent = 0;

        // Not the unknown field: the server prunes it before admission (Kubernetes before 1.25 has no strict field
        // validation), so no webhook ever sees it; kubectl's own validation refuses it (the next scenario).
        foreach (var manifest in BrokenManifest.All().Where(m => m.IsPipeline && m.Name != UnknownField))
        {
            // --validate=false: the server judges, not kubectl's copy of the schema.
            var result = await Kubectl.RunAsync(["apply", "-f", manifest.Path, "-n", ns, "--validate=false"]);
            Assert.False(result.Succeeded, $"{manifest.Name} was accepted: {result}");
            if (result.Errors.Contains("admission webhook", StringComparison.Ordinal))
            {
                Assert.Contains("denied the request", result.Errors, StringComparison.Ordinal);
                Assert.Contains(manifest.Expect, result.Errors, StringComparison.Ordinal);
            }
            else
            {
                // The CRD's OpenAPI schema refused it first, naming the field.
                Assert.Contains(manifest.ExpectPath, result.Errors, StringComparison.Ordinal);
            }

            sent++;
        }

        Assert.True(sent >= 12, $"only {sent} broken pipelines were sent");
        Assert.Empty((await Entities.ListAsync<EtlPipeline>(ns)).Items);
    }

    [Fact]
    public async Task An_unknown_field_is_refused_by_kubectls_validation_and_never_stored()
    {
        target.Require();
        var ns = await target.NamespaceAsync("typo");
        var typo = BrokenManifest.All().Single(m => m.Name == UnknownField);
        var result = await Kubectl.RunAsync("apply", "-f", typo.Path, "-n", ns);
        Assert.False(result.Succeeded, result.ToString());
        Assert.Contains("unknown field \"stpes\"", result.Errors, StringComparison.Ordinal);
        Assert.Empty((await Entities.ListAsync<EtlPipeline>(ns)).Items);
    }

    [Fact]
    public async Task Pods_get_the_sidecar_in_a_labelled_namespace_or_by_annotation_and_an_opted_out_pod_does_not()
    {
        target.RequireWebhooks();
        var labelled = await target.NamespaceAsync("inject", new Dictionary<string, string> { ["etl.router/injection"] = "enabled" });
        var plain = await target.NamespaceAsync("annotated");

        await Kubectl.ApplyAsync(Pod("loader", null), "-n", labelled);
        await Kubectl.ApplyAsync(Pod("debug", "false"), "-n", labelled);
        await Kubectl.ApplyAsync(Pod("orders", "true"), "-n", plain);
        await Kubectl.ApplyAsync(Pod("bystander", null), "-n", plain);

        Assert.True(await HasSidecarAsync(labelled, "loader"));
        Assert.False(await HasSidecarAsync(labelled, "debug"));
        Assert.True(await HasSidecarAsync(plain, "orders"));
        Assert.False(await HasSidecarAsync(plain, "bystander"));

        // Where a kubelet runs them, each injected sidecar starts beside its app, gets its certificate with the
        // pod's projected token and registers with the router (its readiness says so); the others start as they are.
        if (target.RunsPods)
        {
            foreach (var (ns, pod) in new[] { (labelled, "loader"), (labelled, "debug"), (plain, "orders"), (plain, "bystander") })
                await Kubectl.MustAsync("wait", "--for=condition=Ready", $"pod/{pod}", "-n", ns, "--timeout=180s");
        }
    }

    [Fact]
    public async Task With_the_operator_down_annotated_pods_still_start_without_a_sidecar_and_labelled_namespaces_and_pipelines_are_refused()
    {
        target.RequireWebhooks();
        var labelled = await target.NamespaceAsync("down-inject", new Dictionary<string, string> { ["etl.router/injection"] = "enabled" });
        var plain = await target.NamespaceAsync("down-annotated");
        await target.StopOperatorAsync();
        try
        {
            // failurePolicy Ignore: the per-pod entry sees every pod in the cluster and must never block one.
            await Kubectl.ApplyAsync(Pod("orders", "true"), "-n", plain);
            Assert.False(await HasSidecarAsync(plain, "orders"));

            // failurePolicy Fail: the namespace asked for the data plane; a pod without it would run outside it.
            var pod = await Kubectl.RunAsync(["apply", "-f", "-", "-n", labelled], Pod("loader", null));
            Assert.False(pod.Succeeded, pod.ToString());
            Assert.Contains("failed calling webhook \"namespace.inject.etl.router\"", pod.Errors, StringComparison.Ordinal);

            var pipeline = await Kubectl.RunAsync(["apply", "-f", "-", "-n", plain], "apiVersion: etl.router/v1\nkind: EtlPipeline\nmetadata: {name: while-down}\nspec: {source: a, sink: b}\n");
            Assert.False(pipeline.Succeeded, pipeline.ToString());
            Assert.Contains("failed calling webhook \"etlpipelines.validate.etl.router\"", pipeline.Errors, StringComparison.Ordinal);
        }
        finally
        {
            await target.StartOperatorAsync();
        }

        // Back up: the same pod is admitted with its sidecar.
        await Kubectl.ApplyAsync(Pod("loader", null), "-n", labelled);
        Assert.True(await HasSidecarAsync(labelled, "loader"));
    }

    private const string UnknownField = "03-unknown-field.yaml";

    private string Pod(string name, string? inject) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          {(inject is null ? "" : $"annotations: {{etl.router/inject: \"{inject}\"}}")}
        spec:
          containers:
          - name: app
            image: {target.AppImage}
        """;

    // A native sidecar (1.29+) is an init container; before that a container.
    private async Task<bool> HasSidecarAsync(string ns, string pod)
    {
        var stored = await target.Admin.CoreV1.ReadNamespacedPodAsync(pod, ns);
        return (stored.Spec.Containers ?? []).Concat(stored.Spec.InitContainers ?? []).Any(c => c.Name == "etl-sidecar");
    }

    private Task<EtlPipeline> WaitForPipelineAsync(string ns, string name, Func<EtlPipeline, bool> condition) =>
        Eventually.WaitFor(
            async () => await Entities.GetAsync<EtlPipeline>(ns, name) is { } p && condition(p) ? p : null,
            $"pipeline {ns}/{name} as expected",
            TimeSpan.FromSeconds(60),
            target.DescribeOperator);

    public async ValueTask DisposeAsync()
    {
        await target.CleanUpAsync();
        GC.SuppressFinalize(this);
    }
}
