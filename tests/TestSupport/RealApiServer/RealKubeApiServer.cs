using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using EtlRouter.Testing.KubeApiServer;
using EtlRouter.Tests.Support;
using k8s;

namespace EtlRouter.Tests.RealApiServer;

/// <summary>
/// A real kube-apiserver (Kubernetes 1.20, built from Debian's source by `scripts/kube-apiserver build`) and the
/// etcd it stores into, as processes on 127.0.0.1 and free ports, started through `scripts/kube-apiserver etcd`
/// and `serve` (the flags live there). The binary is found through <see cref="BinaryVariable"/>, which
/// `make test` sets after building it; without it the tests that need the server skip with the reason.
/// The server can be stopped and started again on the same port and data; disposing stops both and deletes
/// the data.
/// </summary>
public sealed class RealKubeApiServer : IAsyncDisposable
{
    /// <summary>The path of the kube-apiserver binary.</summary>
    public const string BinaryVariable = "ETL_TEST_KUBE_APISERVER";

    private readonly ChildProcess etcd;
    private readonly ChildProcess server;
    private readonly List<ChildProcess> peers = [];
    private readonly string binary;

    private RealKubeApiServer(string binary, string directory, int[] ports)
    {
        this.binary = binary;
        Directory = directory;
        Port = ports[0];
        EtcdPort = ports[1];
        etcd = ChildProcess.Program(Script, ["etcd", directory, Text(ports[1]), Text(ports[2])]);
        server = ChildProcess.Program(Script, ["serve", directory, Text(Port), Text(EtcdPort)], new Dictionary<string, string> { ["KUBE_APISERVER_BIN"] = binary });
        AdminKubeconfig = Path.Combine(directory, "admin.kubeconfig");
    }

    private static string Script => Path.Combine(RepositoryRoot.Path, "scripts", "kube-apiserver");

    /// <summary>Why the real server cannot run here, or null when it can.</summary>
    public static string? Unavailable
    {
        get
        {
            var binary = Environment.GetEnvironmentVariable(BinaryVariable);
            if (string.IsNullOrEmpty(binary))
                return $"{BinaryVariable} is not set: run the tests with `make test`, which builds kube-apiserver from Debian's source (scripts/kube-apiserver build), or point it at a kube-apiserver 1.20+ binary";
            if (!File.Exists(binary)) return $"{BinaryVariable} names {binary}, which does not exist";
            if (Executables.Find("etcd") is null) return "etcd is not on PATH (Debian package etcd-server; `make test` installs it)";
            return null;
        }
    }

    public string Directory { get; }

    public int Port { get; }

    public int EtcdPort { get; }

    public Uri Url => new($"https://127.0.0.1:{Port}");

    /// <summary>A kubeconfig for the admin (group system:masters): what a cluster admin or a test's set-up uses.</summary>
    public string AdminKubeconfig { get; }

    /// <summary>The CA that signed the server's certificate, what every kubeconfig trusts.</summary>
    public string ServingCaPath => Path.Combine(Directory, "serving-ca.crt");

    /// <summary>The CA the server trusts for client certificates (<see cref="KubeIdentities"/> signs with it).</summary>
    public string ClientCaPath => Path.Combine(Directory, "client-ca.crt");

    public string ClientCaKeyPath => Path.Combine(Directory, "client-ca.key");

    public bool IsRunning => server.IsRunning;

    // The script writes the token file; the admin's line comes first.
    private string AdminToken => File.ReadLines(Path.Combine(Directory, "tokens.csv")).First().Split(',')[0];

    private static string Text(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Starts etcd and the server, and waits until the server is ready (about 10 s).</summary>
    public static async Task<RealKubeApiServer> StartAsync()
    {
        if (Unavailable is { } reason) throw Xunit.Sdk.SkipException.ForSkip(reason);
        var directory = System.IO.Directory.CreateTempSubdirectory("etl-kube-apiserver-").FullName;
        var api = new RealKubeApiServer(Environment.GetEnvironmentVariable(BinaryVariable)!, directory, FreePorts.Take(3));
        var pki = await ProcessRun.RunAsync(Script, ["pki", directory], TimeSpan.FromMinutes(1));
        if (!pki.Succeeded) throw new InvalidOperationException($"scripts/kube-apiserver pki failed: {pki}");
        await File.WriteAllTextAsync(api.AdminKubeconfig, api.Kubeconfig(user: "admin", $"    token: {api.AdminToken}"));
        api.etcd.Start();
        await api.StartAgainAsync();
        return api;
    }

    /// <summary>Starts the server (again, after <see cref="StopAsync"/>) and waits until /readyz answers ok.</summary>
    public async Task StartAgainAsync()
    {
        server.Start();
        await WaitReadyAsync(Url, server);
    }

    private async Task WaitReadyAsync(Uri url, ChildProcess process)
    {
        using var http = AdminHttpClient();
        await Eventually.WaitUntil(
            async () =>
            {
                if (!process.IsRunning) throw new InvalidOperationException("kube-apiserver exited:\n" + process.RecentOutput);
                using var response = await http.GetAsync(new Uri(url, "/readyz"));
                return response.IsSuccessStatusCode;
            },
            $"kube-apiserver {url} /readyz",
            TimeSpan.FromSeconds(90),
            () => $"kube-apiserver: {process.Describe()}\netcd: {etcd.Describe()}");
    }

    /// <summary>
    /// Another kube-apiserver on its own port, against the same etcd, keys and tokens: the other member of a highly
    /// available control plane, through which changes go on while this one is down. Returns its admin kubeconfig;
    /// the peer stops with this server's disposal.
    /// </summary>
    public async Task<string> StartPeerAsync()
    {
        var port = FreePorts.Take(1)[0];
        var peer = ChildProcess.Program(Script, ["serve", Directory, Text(port), Text(EtcdPort)], new Dictionary<string, string>
        {
            ["KUBE_APISERVER_BIN"] = binary,
            ["KUBE_APISERVER_AUDIT_LOG"] = Path.Combine(Directory, $"audit-{port}.log"),
        });
        peers.Add(peer);
        peer.Start();
        var kubeconfig = Path.Combine(Directory, $"admin-{port}.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, Kubeconfig("admin", $"    token: {AdminToken}").Replace($"127.0.0.1:{Port}", $"127.0.0.1:{port}", StringComparison.Ordinal));
        await WaitReadyAsync(new Uri($"https://127.0.0.1:{port}"), peer);
        return kubeconfig;
    }

    /// <summary>Stops the server (SIGTERM) and leaves etcd running, as a control-plane restart does.</summary>
    public Task StopAsync() => server.StopAsync();

    /// <summary>A client of the given kubeconfig (the admin's unless named).</summary>
    public IKubernetes Client(string? kubeconfig = null) =>
        new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig ?? AdminKubeconfig));

    /// <summary>A kubeconfig for this server with the given user's credentials (YAML lines under "user:").</summary>
    public string Kubeconfig(string user, string credentials) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: real
          cluster:
            server: {Url.ToString().TrimEnd('/')}
            certificate-authority: {ServingCaPath}
        users:
        - name: {user}
          user:
        {credentials}
        contexts:
        - name: real
          context:
            cluster: real
            user: {user}
            namespace: default
        current-context: real

        """;

    private HttpClient AdminHttpClient()
    {
        var trusted = new X509Certificate2Collection();
        trusted.ImportFromPemFile(ServingCaPath);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => CaBundleTrust.Validates(certificate, errors, trusted),
        };
        var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var peer in peers) peer.Dispose();
        await server.StopAsync();
        server.Dispose();
        etcd.Dispose();
        if (Environment.GetEnvironmentVariable("ETL_TEST_KEEP_APISERVER_DIR") == "1")
        {
            Console.WriteLine($"kept the API server's data, keys and audit log in {Directory}");
            return;
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
