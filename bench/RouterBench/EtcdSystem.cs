using System.Diagnostics;
using EtlRouter.Bench.Etcd;
using Google.Protobuf;

namespace EtlRouter.Bench;

/// <summary>Three etcd members (Debian's etcd-server) on 127.0.0.1, with their default timings.</summary>
public sealed class EtcdSystem(string root, int basePort) : SystemUnderTest
{
    private int generation;

    public override string Name => "etcd 3.4";

    private int Port => basePort + (generation * 10);

    private string InitialCluster => string.Join(",", Enumerable.Range(1, 3).Select(i => $"e{i}={BenchTls.Scheme}://127.0.0.1:{Port + 3 + i}"));

    /// <summary>BENCH_TLS=1: client and peer TLS, both with certificate authentication.</summary>
    private static string[] TlsArguments(int member)
    {
        if (!BenchTls.On) return [];
        var directory = BenchTls.DirectoryFor(EtlRouter.Security.Identity.PeerIdentity.Router($"etcd-{member}"));
        string File(string name) => Path.Combine(directory, name);
        return
        [
            "--cert-file", File("tls.crt"), "--key-file", File("tls.key"), "--trusted-ca-file", File("ca.crt"), "--client-cert-auth",
            "--peer-cert-file", File("tls.crt"), "--peer-key-file", File("tls.key"), "--peer-trusted-ca-file", File("ca.crt"), "--peer-client-cert-auth",
        ];
    }

    private static string[] EtcdctlTls()
    {
        if (!BenchTls.On) return [];
        var directory = BenchTls.DirectoryFor(EtlRouter.Security.Identity.PeerIdentity.Admin("bench"));
        return ["--cacert", Path.Combine(directory, "ca.crt"), "--cert", Path.Combine(directory, "tls.crt"), "--key", Path.Combine(directory, "tls.key")];
    }

    public override async Task StartAsync()
    {
        Interlocked.Increment(ref generation);
        await StartMembersAsync(Path.Combine(root, $"etcd-{generation}"), restored: false);
    }

    private async Task StartMembersAsync(string dataRoot, bool restored)
    {
        var nodes = Enumerable.Range(1, 3).Select(i => new Node(
            $"e{i}", "etcd",
            [
                "--name", $"e{i}", "--data-dir", Path.Combine(dataRoot, $"e{i}"),
                "--listen-client-urls", $"{BenchTls.Scheme}://127.0.0.1:{Port + i}", "--advertise-client-urls", $"{BenchTls.Scheme}://127.0.0.1:{Port + i}",
                "--listen-peer-urls", $"{BenchTls.Scheme}://127.0.0.1:{Port + 3 + i}", "--initial-advertise-peer-urls", $"{BenchTls.Scheme}://127.0.0.1:{Port + 3 + i}",
                .. TlsArguments(i),
                "--initial-cluster", InitialCluster, "--initial-cluster-state", restored ? "existing" : "new",
                "--initial-cluster-token", $"bench-{generation}", "--log-level", "error",
            ],
            new Dictionary<string, string>(),
            $"{BenchTls.Scheme}://127.0.0.1:{Port + i}")).ToList();
        await StartNodesAsync(nodes);
    }

    protected override async Task<bool> LeadsAsync(Node node, CancellationToken token)
    {
        var status = await new Maintenance.MaintenanceClient(Channel(node)).StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: token);
        return status.Leader != 0 && status.Leader == status.Header.MemberId;
    }

    public override async Task WriteAsync(Node node, string key, int valueBytes, CancellationToken token) =>
        await new KV.KVClient(Channel(node)).PutAsync(
            new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(new byte[valueBytes]) },
            deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: token);

    public override IReadOnlyList<string> SnapshotTools => ["etcdctl"];

    public override async Task<long> SnapshotAsync(string file, CancellationToken token)
    {
        var leader = await LeaderAsync(token);
        await Run("etcdctl", ["--endpoints", leader.GrpcAddress, .. EtcdctlTls(), "snapshot", "save", file], token);
        return new FileInfo(file).Length;
    }

    /// <summary>etcd restores offline: `etcdctl snapshot restore` per member, then the members start on it.</summary>
    public override async Task RestoreAsync(string file, CancellationToken token)
    {
        Interlocked.Increment(ref generation);
        var dataRoot = Path.Combine(root, $"etcd-{generation}");
        foreach (var node in Nodes) node.Kill();
        for (var i = 1; i <= 3; i++)
        {
            await Run("etcdctl", ["snapshot", "restore", file, "--name", $"e{i}", "--data-dir", Path.Combine(dataRoot, $"e{i}"),
                "--initial-cluster", InitialCluster, "--initial-cluster-token", $"bench-{generation}",
                "--initial-advertise-peer-urls", $"{BenchTls.Scheme}://127.0.0.1:{Port + 3 + i}"], token);
        }

        await StartMembersAsync(dataRoot, restored: false);
    }

    private static async Task Run(string file, string[] arguments, CancellationToken token)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ETCDCTL_API"] = "3";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(token);
        await process.StandardOutput.ReadToEndAsync(token);
        await process.WaitForExitAsync(token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {await error}");
    }
}
