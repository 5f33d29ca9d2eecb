namespace EtlRouter.E2E.Targets;

/// <summary>
/// Any cluster a person names with ETL_E2E_KUBECONFIG (never the default kubeconfig: the scenarios create and
/// delete namespaces and install our CRDs and RBAC, so the cluster must be chosen on purpose). The operator and
/// the router run on this machine; set ETL_E2E_WEBHOOKS_REACHABLE=true when the cluster's API server can call
/// https://127.0.0.1 here (a local kind or minikube with host networking), else the webhook scenarios skip.
/// </summary>
public sealed class KubeconfigTarget : LocalOperatorTarget
{
    public const string Variable = "ETL_E2E_KUBECONFIG";

    public override string Name => $"cluster of {Variable}";

    public override bool WebhooksReachable => Environment.GetEnvironmentVariable("ETL_E2E_WEBHOOKS_REACHABLE") == "true";

    protected override Task<string?> StartClusterAsync()
    {
        var path = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(path)) return Task.FromResult<string?>($"{Variable} is not set: name a cluster's kubeconfig to run the scenarios against it");
        if (!File.Exists(path)) return Task.FromResult<string?>($"{Variable} names {path}, which does not exist");
        AdminKubeconfig = path;
        return Task.FromResult<string?>(null);
    }

    protected override ValueTask StopClusterAsync() => ValueTask.CompletedTask;
}
