using System.Text.RegularExpressions;
using EtlRouter.Tests.Support;

namespace EtlRouter.E2E.Targets;

/// <summary>
/// etlctl at the one-node cluster's router as docs/security.md tells a person to reach it: an admin certificate
/// issued with `etlctl certs issue` from the install CA Secret (etl-router-ca), and `kubectl port-forward` to
/// svc/etl-router. Also etlctl through the kubeconfig alone (<see cref="ThroughKubeconfig"/>), as for any cluster.
/// </summary>
public sealed partial class NodeRouterAccess : IAsyncDisposable
{
    private readonly ChildProcess forward;
    private readonly string home;
    private readonly string port;

    private NodeRouterAccess(ChildProcess forward, string home, string port, EtlCtlRunner throughKubeconfig, EtlCtlRunner atRouter)
    {
        this.forward = forward;
        this.home = home;
        this.port = port;
        ThroughKubeconfig = throughKubeconfig;
        AtRouter = atRouter;
    }

    /// <summary>etlctl with the cluster's kubeconfig and no certificate (it reads resources from the API server).</summary>
    public EtlCtlRunner ThroughKubeconfig { get; }

    /// <summary>etlctl presenting the admin certificate; pass <see cref="RouterArguments"/> first.</summary>
    public EtlCtlRunner AtRouter { get; }

    /// <summary>`--router 127.0.0.1:PORT`, the local end of the port-forward.</summary>
    public string[] RouterArguments => ["--router", $"127.0.0.1:{port}"];

    /// <summary>Runs etlctl at the router through the port-forward.</summary>
    public Task<(int Exit, string Out, string Error)> RunAtRouterAsync(params string[] arguments) =>
        AtRouter.RunAsync([.. RouterArguments, .. arguments]);

    public static async Task<NodeRouterAccess> OpenAsync(OneNodeCluster cluster)
    {
        var home = Directory.CreateTempSubdirectory("etl-node-etlctl-").FullName;
        var throughKubeconfig = new EtlCtlRunner(new Dictionary<string, string> { ["KUBECONFIG"] = cluster.KubeconfigPath, ["HOME"] = home });

        var ca = Path.Combine(home, "ca");
        Directory.CreateDirectory(ca);
        foreach (var file in new[] { "ca.crt", "ca.key" })
        {
            var data = await cluster.Kubectl.MustAsync("-n", OneNodeCluster.Namespace, "get", "secret", "etl-router-ca", "-o", $"jsonpath={{.data.{file.Replace(".", "\\.", StringComparison.Ordinal)}}}");
            await File.WriteAllBytesAsync(Path.Combine(ca, file), Convert.FromBase64String(data));
        }

        var admin = Path.Combine(home, "admin");
        var issued = await throughKubeconfig.RunAsync("certs", "issue", "--ca", ca, "--identity", "admin/node-test", "--out", admin);
        if (issued.Exit != 0) throw new InvalidOperationException($"etlctl certs issue: exit {issued.Exit}: {issued.Error}");

        var forward = ChildProcess.Program(Kubectl.Path, ["--kubeconfig", cluster.KubeconfigPath, "-n", OneNodeCluster.Namespace, "port-forward", "svc/etl-router", "0:50051"]);
        forward.Start();
        try
        {
            var port = await Eventually.WaitFor(
                () => Task.FromResult(forward.Printed("Forwarding from 127.0.0.1:").Select(line => ForwardedPort().Match(line)).FirstOrDefault(m => m.Success)?.Groups[1].Value),
                "kubectl port-forward to the router", TimeSpan.FromSeconds(30), forward.Describe);
            return new NodeRouterAccess(forward, home, port, throughKubeconfig, new EtlCtlRunner(new Dictionary<string, string> { ["HOME"] = home, ["ETLCTL_TLS_DIR"] = admin }));
        }
        catch
        {
            await forward.StopAsync();
            forward.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await forward.StopAsync();
        forward.Dispose();
        Directory.Delete(home, recursive: true);
    }

    [GeneratedRegex(@"Forwarding from 127\.0\.0\.1:(\d+)")]
    private static partial Regex ForwardedPort();
}
