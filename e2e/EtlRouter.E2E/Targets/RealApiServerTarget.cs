using EtlRouter.Tests.RealApiServer;

namespace EtlRouter.E2E.Targets;

/// <summary>
/// The real-server tier: kube-apiserver 1.20 built from Debian's source and etcd, as processes on 127.0.0.1
/// (<see cref="RealKubeApiServer"/>). It can call the operator's webhooks here, and tests may restart it and read
/// its audit log. No kubelet: pods are admitted and stored, never run.
/// </summary>
public sealed class RealApiServerTarget : LocalOperatorTarget
{
    public override string Name => "real kube-apiserver";

    public override bool WebhooksReachable => true;

    public RealKubeApiServer Server { get; private set; } = null!;

    /// <summary>Every request the server answered (user, verb, resource, code), one JSON event a line.</summary>
    public string AuditLogPath => Path.Combine(Server.Directory, "audit.log");

    protected override async Task<string?> StartClusterAsync()
    {
        if (RealKubeApiServer.Unavailable is { } reason) return reason;
        Server = await RealKubeApiServer.StartAsync();
        AdminKubeconfig = Server.AdminKubeconfig;
        return null;
    }

    protected override async ValueTask StopClusterAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }
}
