using EtlRouter.Tests.Support;
using k8s;
using k8s.Models;
using Xunit;

namespace EtlRouter.E2E.Targets;

/// <summary>
/// A Kubernetes cluster with ETL Router installed, as the scenarios (<see cref="Scenarios.ClusterScenarios"/>) see
/// it: kubectl and a client as its admin, fresh namespaces, and the few things a scenario does to the install
/// itself (stop and start the operator, ask the router what it holds, serve a pipeline's stages). Two kinds exist:
/// <see cref="LocalOperatorTarget"/> runs the operator and the router as processes on this machine against any API
/// server; <see cref="OneNodeTarget"/> is the chart installed on the one-node cluster, everything in real pods.
/// </summary>
public abstract class ClusterTarget
{
    public const string OperatorNamespace = "etl-system";
    public const string OperatorAccount = "etl-operator";

    private int namespaces;

    public abstract string Name { get; }

    /// <summary>Why this target cannot run here (the scenarios skip with it), or null.</summary>
    public string? Unavailable { get; protected set; }

    public string AdminKubeconfig { get; protected set; } = string.Empty;

    /// <summary>Whether the API server reaches the operator's webhooks (the injection and validation scenarios need it).</summary>
    public abstract bool WebhooksReachable { get; }

    /// <summary>Whether a kubelet runs the cluster's pods (else they are admitted and stored, never started).</summary>
    public virtual bool RunsPods => false;

    /// <summary>The image of the scenarios' plain pods: one the cluster has or can pull.</summary>
    public virtual string AppImage => "busybox:1.36";

    /// <summary>kubectl as the cluster's admin.</summary>
    public Kubectl Kubectl => new(AdminKubeconfig);

    public IKubernetes Admin => new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(AdminKubeconfig));

    public void Require()
    {
        if (Unavailable is { } reason) Assert.Skip($"{Name}: {reason}");
    }

    public void RequireWebhooks()
    {
        Require();
        if (!WebhooksReachable)
            Assert.Skip($"{Name}: the API server cannot call a webhook on this machine; install the operator in the cluster to run the webhook scenarios");
    }

    /// <summary>A fresh namespace for one scenario, optionally labelled.</summary>
    public virtual async Task<string> NamespaceAsync(string purpose, IDictionary<string, string>? labels = null)
    {
        var name = $"e2e-{purpose}-{Interlocked.Increment(ref namespaces)}-{Random.Shared.Next(1000, 9999)}";
        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name, Labels = labels } });
        return name;
    }

    /// <summary>Stops every replica of the operator (its webhooks stop answering) until <see cref="StartOperatorAsync"/>.</summary>
    public abstract Task StopOperatorAsync();

    /// <summary>Starts the operator again and returns once its webhooks answer.</summary>
    public abstract Task StartOperatorAsync();

    /// <summary>What the operator did lately: what a timed-out wait should show.</summary>
    public abstract string DescribeOperator();

    /// <summary>Whether the router cluster holds the pipeline (asked of the router, not of the API server).</summary>
    public abstract Task<bool> RouterHasPipelineAsync(string ns, string name);

    /// <summary>
    /// Runs a generator (<paramref name="count"/> records at 200/s) and a file sink beside sidecars, named
    /// <paramref name="source"/> and <paramref name="sink"/> in <paramref name="ns"/>, and returns the NDJSON file on
    /// this machine where the sink's records arrive.
    /// </summary>
    public abstract Task<string> ServeAsync(string ns, string source, string sink, int count);

    /// <summary>After each scenario: what it left running that would load the cluster for the next ones.</summary>
    public virtual Task CleanUpAsync() => Task.CompletedTask;
}
