using System.Net;
using System.Text.Json;
using EtlRouter.E2E.Targets;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Resources;
using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.OperatorRuntime.Client;
using EtlRouter.Tests.RealApiServer;
using EtlRouter.Tests.Support;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace EtlRouter.E2E.Scenarios;

/// <summary>
/// What only the real server on this machine lets us prove about the operator: real RBAC with exactly the generated
/// role (its audit log shows every call the operator made and what was answered), Lease leader election across two
/// operator processes, and watches that survive the API server's restart and the 410 Gone that follows it.
/// </summary>
[Collection(RealApiServerCollection.Name)]
public sealed class OperatorOnRealApiServerTests(RealApiServerTarget target)
{
    private static readonly string OperatorUser = $"system:serviceaccount:{ClusterTarget.OperatorNamespace}:{ClusterTarget.OperatorAccount}";

    private EntityClient Entities => new(target.Admin);

    [Fact]
    public async Task The_operator_runs_with_exactly_the_generated_role_and_is_never_refused_a_call()
    {
        target.Require();
        var ns = await target.NamespaceAsync("rbac");

        // The role on the server is the generated file, and it is all the operator's account is bound to.
        var generated = KubernetesYaml.Deserialize<V1ClusterRole>(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "config", "rbac", "role.yaml")));
        var served = await target.Admin.RbacAuthorizationV1.ReadClusterRoleAsync(generated.Metadata.Name);
        Assert.Equal(KubernetesJson.Serialize(generated.Rules), KubernetesJson.Serialize(served.Rules));
        Assert.Equal(["ClusterRoleBinding/etl-operator"], await BindingsOfOperatorAsync());

        // What the role does not grant is refused: RBAC is really enforced on this server.
        var asOperator = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(target.OperatorKubeconfig));
        var pods = await Assert.ThrowsAsync<HttpOperationException>(() => asOperator.CoreV1.ListNamespacedPodAsync(ns));
        Assert.Equal(HttpStatusCode.Forbidden, pods.Response.StatusCode);
        var crd = await Assert.ThrowsAsync<HttpOperationException>(() => asOperator.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("etlpipelines.etl.router"));
        Assert.Equal(HttpStatusCode.Forbidden, crd.Response.StatusCode);

        // A user the cluster knows (a client certificate from its CA) but whom nothing binds is refused too.
        var stranger = new Kubectl(KubeIdentities.User(target.Server, "alice", "developers"));
        var refusedToStranger = await stranger.RunAsync("get", "etlpipelines", "-n", ns);
        Assert.False(refusedToStranger.Succeeded);
        Assert.Contains("User \"alice\" cannot list resource \"etlpipelines\"", refusedToStranger.Errors, StringComparison.Ordinal);

        // Everything the operator does, from its start (Lease, webhook certificate, lists and watches): every kind
        // reconciled, a router cluster's objects, events, finalizers. Only this test's part of the audit log counts:
        // right after an API server restart (another test) its RBAC cache answers 403 for a moment, to anyone.
        var auditedBefore = AuditEvents().Count();
        await target.Operator.Process.StopAsync();
        await target.Operator.StartAsync();
        await target.Kubectl.MustAsync("apply", "-k", Path.Combine(RepositoryRoot.Path, "config", "samples"), "-n", ns);
        await Eventually.WaitUntil(
            async () => (await Entities.GetAsync<EtlRouterCluster>(ns, "etl-router"))?.Status.Find(ConditionTypes.Ready)?.Reason == ConditionReasons.ReplicasNotReady
                && (await Entities.GetAsync<EtlPipeline>(ns, "user-analytics"))?.Status.Find(ConditionTypes.Ready)?.Reason == ConditionReasons.StagesPending,
            "the samples reconciled",
            TimeSpan.FromSeconds(60),
            target.Operator.Process.Describe);
        await target.Kubectl.MustAsync("delete", "etlpipeline", "user-analytics", "-n", ns, "--timeout=60s");
        await target.Kubectl.MustAsync("delete", "etlsource", "kafka-users", "-n", ns, "--timeout=60s");

        var calls = AuditEvents().Skip(auditedBefore).Where(e => e.User == OperatorUser).ToList();
        Assert.True(calls.Count > 20, $"the audit log shows only {calls.Count} calls of the operator");
        var refused = calls.Where(e => e.Code == 403 && !IsProbe(e)).Select(e => $"{e.Verb} {e.Uri}").Distinct().ToList();
        Assert.True(refused.Count == 0, "the generated role lacks what these calls need:\n" + string.Join("\n", refused));
        Assert.Contains(calls, e => e.Verb == "create" && e.Uri.Contains("/poddisruptionbudgets", StringComparison.Ordinal));
        Assert.Contains(calls, e => e.Verb == "update" && e.Uri.Contains("/etlpipelines/", StringComparison.Ordinal) && e.Uri.Contains("/status", StringComparison.Ordinal));

        // The refusals above are ours, made on purpose (should the log write them late).
        bool IsProbe(AuditEvent e) =>
            (e.Verb == "list" && e.Uri.StartsWith($"/api/v1/namespaces/{ns}/pods", StringComparison.Ordinal))
            || (e.Verb == "delete" && e.Uri.EndsWith("/customresourcedefinitions/etlpipelines.etl.router", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_operators_elect_one_leader_and_the_other_takes_over_within_the_lease_when_it_is_killed()
    {
        target.Require();
        var ns = await target.NamespaceAsync("leader");
        using var second = new OperatorProcess("e2e-operator-b", target.OperatorKubeconfig, target.Rig.RouterNode.GrpcAddress);
        await second.StartAsync();
        var first = target.Operator;
        try
        {
            var holder = await LeaseHolderAsync();
            Assert.Equal(first.Identity, holder);

            // kill -9: no hand-back of the Lease, so the standby must wait it out (3 s here) and take it.
            first.Process.Kill();
            var killedAt = DateTime.UtcNow;
            await Eventually.WaitUntil(async () => await LeaseHolderAsync() == second.Identity, "the standby to take the Lease", TimeSpan.FromSeconds(20), second.Process.Describe);
            var takeover = DateTime.UtcNow - killedAt;
            Assert.True(takeover < TimeSpan.FromSeconds(10), $"took over after {takeover.TotalSeconds:F1}s; the lease is 3 s");

            // The new leader reconciles what changes from now on.
            await target.Kubectl.ApplyAsync("apiVersion: etl.router/v1\nkind: EtlSource\nmetadata: {name: after-takeover}\n", "-n", ns);
            await Eventually.WaitUntil(
                async () => (await Entities.GetAsync<EtlSource>(ns, "after-takeover"))?.Status.ObservedGeneration == 1,
                "the new leader to reconcile a new source",
                TimeSpan.FromSeconds(30),
                second.Process.Describe);
        }
        finally
        {
            // Put the first back, then stop the second cleanly (it hands the Lease back), so later tests find one leader.
            if (!first.Process.IsRunning) await first.StartAsync();
            await second.Process.StopAsync();
        }

        await Eventually.WaitUntil(async () => await LeaseHolderAsync() == first.Identity, "the first operator to lead again", TimeSpan.FromSeconds(20), first.Process.Describe);
    }

    [Fact]
    public async Task Watches_survive_an_api_server_restart_and_the_410_after_it_and_every_change_is_reconciled()
    {
        target.Require();
        var ns = await target.NamespaceAsync("restart");
        const int Pipelines = 6;
        await target.Kubectl.ApplyAsync("apiVersion: etl.router/v1\nkind: EtlSource\nmetadata: {name: src}\n---\napiVersion: etl.router/v1\nkind: EtlSink\nmetadata: {name: dst}\n", "-n", ns);
        for (var i = 0; i < Pipelines; i++)
            await target.Kubectl.ApplyAsync(Pipeline(i, maxRetries: 1), "-n", ns);
        await AllReconciledAsync(ns, Pipelines, generation: 1);

        // An operator whose renew deadline (60 s) outlasts the outage (under load, stop, writes and start took 27 s):
        // it keeps leading through it (renewals that find no server are retried until the deadline, as client-go's
        // are), so its watches must resume on their own.
        // The usual one (3 s lease) hands its Lease over on SIGTERM.
        await target.Operator.Process.StopAsync();
        using var patient = new OperatorProcess("e2e-operator-patient", target.OperatorKubeconfig, target.Rig.RouterNode.GrpcAddress, new()
        {
            ["Operator__LeaseDuration"] = "00:01:30",
            ["Operator__RenewDeadline"] = "00:01:00",

            // The webhook configurations name the usual operator's port; this one serves it meanwhile.
            ["Webhook__Port"] = target.Operator.WebhookPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        try
        {
            await patient.StartAsync();
            await Eventually.WaitUntil(async () => await LeaseHolderAsync() == patient.Identity, "the patient operator to lead", TimeSpan.FromSeconds(30), patient.Process.Describe);
            await RestartWhileChangingAsync(ns, Pipelines, patient);
        }
        finally
        {
            await patient.Process.StopAsync();
            await target.Operator.StartAsync();
        }
    }

    private async Task RestartWhileChangingAsync(string ns, int pipelines, OperatorProcess @operator)
    {
        var goneBefore = WatchRestarts(await @operator.MetricsAsync(), "gone");

        // A writer keeps changing the pipelines through a second API server while the operator's restarts, so the
        // restarted one's watch cache starts past the versions the operator's watches resume from: 410 Gone.
        var peer = new Kubectl(await target.Server.StartPeerAsync());
        using var stopWriting = new CancellationTokenSource();
        var writes = 0;
        var writer = Task.Run(async () =>
        {
            for (var round = 2; !stopWriting.IsCancellationRequested; round++)
            {
                for (var i = 0; i < pipelines; i++)
                {
                    var change = Pipeline(i, maxRetries: round % 90 + 1);
                    while (!(await peer.RunAsync(["apply", "-f", "-", "-n", ns, "--request-timeout=5s"], change)).Succeeded)
                    {
                        if (stopWriting.IsCancellationRequested) return;
                        await Task.Delay(200);
                    }

                    Interlocked.Increment(ref writes);
                }
            }
        });

        try
        {
            await Eventually.WaitUntil(() => Volatile.Read(ref writes) >= pipelines, "the writer to get going", TimeSpan.FromSeconds(60));
            await target.Server.StopAsync();
            var atStop = Volatile.Read(ref writes);
            await Eventually.WaitUntil(() => Volatile.Read(ref writes) >= atStop + pipelines, "changes while the server is down", TimeSpan.FromSeconds(60));
            await target.Server.StartAgainAsync();
            var atRestart = Volatile.Read(ref writes);
            await Eventually.WaitUntil(() => Volatile.Read(ref writes) >= atRestart + 2 * pipelines, "two rounds of changes after the restart", TimeSpan.FromSeconds(90));
        }
        finally
        {
            await stopWriting.CancelAsync();
            await writer;
        }

        // Every pipeline ends reconciled at its last generation, and the operator re-listed after a 410.
        var latest = await Entities.ListAsync<EtlPipeline>(ns);
        Assert.Equal(pipelines, latest.Items.Count);
        foreach (var pipeline in latest.Items)
        {
            var name = pipeline.Metadata.Name;
            await Eventually.WaitUntil(
                async () => await Entities.GetAsync<EtlPipeline>(ns, name) is { } p && p.Status.ObservedGeneration == p.Metadata.Generation && p.Metadata.Generation > 1,
                $"{name} reconciled at its last generation",
                TimeSpan.FromSeconds(60),
                @operator.Process.Describe);
        }

        // A pipeline that did not exist before the restart: only a live watch brings it to the operator.
        await target.Kubectl.ApplyAsync(Pipeline(pipelines, maxRetries: 1), "-n", ns);
        await Eventually.WaitUntil(
            async () => (await Entities.GetAsync<EtlPipeline>(ns, $"p{pipelines}"))?.Status.ObservedGeneration == 1,
            "a pipeline created after the restart to be reconciled",
            TimeSpan.FromSeconds(30),
            @operator.Process.Describe);

        // It led throughout: no term ended and began again (a new term lists afresh instead of resuming).
        var metrics = await @operator.MetricsAsync();
        Assert.Equal(1, Counter(metrics, "etl_operator_leader_terms_total"));

        // And the server answered the resumed watches with 410 Gone (its new watch cache starts past their versions).
        Assert.True(WatchRestarts(metrics, "gone") > goneBefore, "no watch met 410 Gone after the restart:\n" + string.Join('\n', @operator.Process.Printed("Watch of")));
    }

    private static string Pipeline(int i, int maxRetries) =>
        $"apiVersion: etl.router/v1\nkind: EtlPipeline\nmetadata: {{name: p{i}}}\nspec: {{source: src, sink: dst, dlq: {{enabled: true, maxRetries: {maxRetries}}}}}\n";

    private async Task AllReconciledAsync(string ns, int count, long generation) =>
        await Eventually.WaitUntil(
            async () => (await Entities.ListAsync<EtlPipeline>(ns)).Items.Count(p => p.Status.ObservedGeneration == generation) == count,
            $"{count} pipelines reconciled at generation {generation}",
            TimeSpan.FromSeconds(60),
            target.Operator.Process.Describe);

    // etl_operator_watch_restarts_total{kind="...",reason="gone"} summed over kinds.
    private static double WatchRestarts(string metrics, string reason) => Counter(metrics, "etl_operator_watch_restarts_total", $"reason=\"{reason}\"");

    // A Prometheus counter's value summed over the series whose labels contain the given text.
    private static double Counter(string metrics, string name, string labels = "") =>
        metrics.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(labels, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    private async Task<string?> LeaseHolderAsync()
    {
        var lease = await target.Admin.CoordinationV1.ReadNamespacedLeaseAsync("etl-operator-leader", ClusterTarget.OperatorNamespace);
        return lease.Spec.HolderIdentity;
    }

    private async Task<List<string>> BindingsOfOperatorAsync()
    {
        bool IsOperator(IList<Rbacv1Subject>? subjects) =>
            subjects?.Any(s => s.Kind == "ServiceAccount" && s.Name == ClusterTarget.OperatorAccount && s.NamespaceProperty == ClusterTarget.OperatorNamespace) == true;
        var cluster = await target.Admin.RbacAuthorizationV1.ListClusterRoleBindingAsync();
        var namespaced = await target.Admin.RbacAuthorizationV1.ListRoleBindingForAllNamespacesAsync();
        return cluster.Items.Where(b => IsOperator(b.Subjects)).Select(b => $"ClusterRoleBinding/{b.Metadata.Name}")
            .Concat(namespaced.Items.Where(b => IsOperator(b.Subjects)).Select(b => $"RoleBinding/{b.Metadata.NamespaceProperty}/{b.Metadata.Name}"))
            .ToList();
    }

    private sealed record AuditEvent(string User, string Verb, string Uri, int Code);

    private IEnumerable<AuditEvent> AuditEvents()
    {
        using var stream = new FileStream(target.AuditLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var events = new List<AuditEvent>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            events.Add(new AuditEvent(
                root.GetProperty("user").GetProperty("username").GetString() ?? string.Empty,
                root.GetProperty("verb").GetString() ?? string.Empty,
                root.GetProperty("requestURI").GetString() ?? string.Empty,
                root.TryGetProperty("responseStatus", out var status) && status.TryGetProperty("code", out var code) ? code.GetInt32() : 0));
        }

        return events;
    }
}
