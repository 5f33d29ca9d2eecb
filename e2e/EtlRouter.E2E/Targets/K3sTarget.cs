using Testcontainers.K3s;

namespace EtlRouter.E2E.Targets;

/// <summary>
/// K3s in a container (Testcontainers.K3s), where a Docker engine exists. The operator and the router run on
/// this machine against its API server; the container cannot call back into this machine's loopback, so the
/// webhook scenarios skip here.
/// </summary>
public sealed class K3sTarget : LocalOperatorTarget
{
    /// <summary>The K3s image; override with ETL_E2E_K3S_IMAGE.</summary>
    public const string DefaultImage = "rancher/k3s:v1.31.4-k3s1";

    private K3sContainer? container;

    public override string Name => "K3s (Testcontainers)";

    public override bool WebhooksReachable => false;

    protected override async Task<string?> StartClusterAsync()
    {
        if (DockerUnavailable() is { } reason) return reason;
        container = new K3sBuilder(Environment.GetEnvironmentVariable("ETL_E2E_K3S_IMAGE") ?? DefaultImage).Build();
        await container.StartAsync();
        var kubeconfig = Path.Combine(Directory.CreateTempSubdirectory("etl-e2e-k3s-").FullName, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, await container.GetKubeconfigAsync());
        AdminKubeconfig = kubeconfig;
        return null;
    }

    protected override async ValueTask StopClusterAsync()
    {
        if (container is not null) await container.DisposeAsync();
    }

    // Testcontainers needs a Docker engine: DOCKER_HOST, or the default socket.
    private static string? DockerUnavailable()
    {
        if (Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 }) return null;
        return File.Exists("/var/run/docker.sock") ? null : "no Docker engine (neither DOCKER_HOST nor /var/run/docker.sock): Testcontainers cannot start K3s";
    }
}
