using System.Diagnostics;
using EtlRouter.Tests.Support;

namespace EtlRouter.E2E.Targets;

/// <summary>
/// The node demo (config/samples/node/demo.yaml: generator -> mask-pii -> file as injected Deployments) in a namespace
/// of its own, with the generator's rate and count set and the file sink writing to a directory of this test, which
/// the test reads to count what arrived.
/// </summary>
public sealed class NodeDemo
{
    private const string SamplePath = "/var/lib/etl-demo";

    private readonly OneNodeCluster cluster;

    private NodeDemo(OneNodeCluster cluster, string ns, string output, string manifest)
    {
        this.cluster = cluster;
        Namespace = ns;
        OutputDirectory = output;
        Manifest = manifest;
    }

    public string Namespace { get; }

    /// <summary>Where the file sink's pod writes records.ndjson (a hostPath on the node, which is this machine).</summary>
    public string OutputDirectory { get; }

    public string RecordsFile => Path.Combine(OutputDirectory, "records.ndjson");

    public string Manifest { get; }

    /// <summary>The table the second sink writes (<see cref="Create"/> with a PostgreSQL).</summary>
    public const string RowsTable = "demo_records";

    public static NodeDemo Create(OneNodeCluster cluster, string ns, int rate, int count, NodePostgres? postgres = null)
    {
        var output = Path.Combine(cluster.Directory, "out", ns);
        Directory.CreateDirectory(output);
        // The sink runs as 65532; the directory is the test's, on this machine.
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(output, (UnixFileMode)0b111_111_111);
        var sample = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "config", "samples", "node", "demo.yaml"));
        const string generator = "--rate, \"200\", --count, \"0\"";
        if (!sample.Contains(generator, StringComparison.Ordinal) || !sample.Contains(SamplePath, StringComparison.Ordinal))
            throw new InvalidOperationException("config/samples/node/demo.yaml no longer has the generator arguments or the sink path this test sets");
        var manifest = sample
            .Replace(SamplePath, output, StringComparison.Ordinal)
            .Replace(generator, $"--rate, \"{rate}\", --count, \"{count}\"", StringComparison.Ordinal);
        if (postgres is not null) manifest = WithRowsSink(manifest, postgres);
        return new NodeDemo(cluster, ns, output, manifest);
    }

    /// <summary>
    /// The demo fanned out to a second sink, the Postgres sink writing to <paramref name="postgres"/> outside the
    /// cluster: the sample's pipeline is replaced by its graph form with both sinks after the transform.
    /// </summary>
    private static string WithRowsSink(string manifest, NodePostgres postgres)
    {
        var documents = manifest.Split("\n---\n").Where(d => !d.Contains("kind: EtlPipeline", StringComparison.Ordinal));
        const string Connector = "image: localhost/etl-router/etl-connector:0.1.0";
        if (!manifest.Contains(Connector, StringComparison.Ordinal))
            throw new InvalidOperationException("config/samples/node/demo.yaml no longer names the connector image this test's second sink uses");
        return string.Join("\n---\n", documents) + $$$"""

            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: demo-rows}
            spec:
              replicas: 1
              selector: {matchLabels: {app: demo-rows}}
              template:
                metadata: {labels: {app: demo-rows}}
                spec:
                  securityContext: {runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532}
                  containers:
                  - name: rows
                    {{{Connector}}}
                    imagePullPolicy: Never
                    args: [postgres, --name, demo-rows, --port, "50052", --connection, "{{{postgres.Connection}}}", --table, {{{RowsTable}}}]
                    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
                    volumeMounts: [{name: tmp, mountPath: /tmp}]
                  volumes: [{name: tmp, emptyDir: {}}]
            ---
            apiVersion: etl.router/v1
            kind: EtlSink
            metadata: {name: demo-rows}
            spec: {serviceName: demo-rows}
            ---
            apiVersion: etl.router/v1
            kind: EtlPipeline
            metadata: {name: demo}
            spec:
              stages:
              - {name: generate, source: demo-generator}
              - {name: mask, transform: demo-mask, inputs: [generate]}
              - {name: files, sink: demo-files, inputs: [mask]}
              - {name: rows, sink: demo-rows, inputs: [mask]}
              flowControl: {batchSize: 100, maxInFlight: 1000}
            """;
    }

    /// <summary>
    /// A namespace labelled for injection, the demo applied in it, `kubectl wait` until the pipeline is Ready, and the
    /// first record at the sink (the time from apply to it is reported).
    /// </summary>
    public static async Task<NodeDemo> StartAsync(OneNodeCluster cluster, string purpose, int rate, int count, NodePostgres? postgres = null)
    {
        var ns = $"demo-{purpose}-{Random.Shared.Next(1000, 9999)}";
        await cluster.Kubectl.MustAsync("create", "namespace", ns);
        await cluster.Kubectl.MustAsync("label", "namespace", ns, "etl.router/injection=enabled");
        var demo = Create(cluster, ns, rate, count, postgres);
        var applied = Stopwatch.StartNew();
        await cluster.Kubectl.ApplyAsync(demo.Manifest, "-n", ns);
        await Eventually.WaitUntil(async () => (await cluster.Kubectl.RunAsync("-n", ns, "wait", "--for=condition=Ready", "etlpipeline/demo", "--timeout=5s")).Succeeded,
            $"pipeline {ns}/demo to be Ready", TimeSpan.FromMinutes(3), cluster.Diagnostics);
        await Eventually.WaitUntil(() => demo.Ids().Count > 0, $"the first record in {demo.RecordsFile}", TimeSpan.FromMinutes(2));
        cluster.Report($"{ns}: kubectl apply to the first record at the sink in {applied.Elapsed.TotalSeconds:F1} s");
        return demo;
    }

    /// <summary>Every record made is at the sink; reports how many arrived, were lost and came twice.</summary>
    public async Task<List<string>> WaitForEveryRecordAsync(int count, string what, TimeSpan? deadline = null)
    {
        // Polled once a second, not in a tight loop: the file holds tens of thousands of lines and both cores are busy.
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromMinutes(3));
        var ids = Ids();
        while (ids.Distinct().Count() < count && DateTime.UtcNow < until)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            ids = Ids();
        }

        var distinct = ids.Distinct().Count();
        cluster.Report($"{what}: {count} made, {distinct} distinct at the sink, {count - distinct} lost, {ids.Count - distinct} duplicates (the file sink cannot deduplicate)");
        if (distinct < count) throw new TimeoutException($"{what}: {distinct} of {count} records at the sink\n{cluster.Diagnostics()}");
        return ids;
    }

    /// <summary>
    /// Every record made is a row of the Postgres sink's table, and none twice: the at-least-once path's redeliveries
    /// (the file sink's duplicates) end at an idempotent sink as no duplicate at all. Reports the counts.
    /// </summary>
    public async Task WaitForEveryRowAsync(NodePostgres postgres, int count, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromMinutes(3));
        var (rows, distinct) = await postgres.CountAsync(RowsTable);
        while (distinct < count && DateTime.UtcNow < until)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            (rows, distinct) = await postgres.CountAsync(RowsTable);
        }

        cluster.Report($"{what}: {count} made, {distinct} distinct rows at the Postgres sink, {count - distinct} lost, {rows - distinct} duplicates");
        if (distinct < count) throw new TimeoutException($"{what}: {distinct} of {count} records in PostgreSQL\n{cluster.Diagnostics()}");
        if (rows != count) throw new InvalidOperationException($"{what}: {rows} rows in PostgreSQL for {count} records made");
    }

    /// <summary>The pipeline first, so its finalizer drains it while the router runs; then the namespace.</summary>
    public async Task DeleteAsync()
    {
        await cluster.Kubectl.RunAsync("-n", Namespace, "delete", "etlpipeline", "demo", "--timeout=60s");
        await cluster.Kubectl.RunAsync(["delete", "namespace", Namespace, "--timeout=120s"], deadline: TimeSpan.FromMinutes(3));
    }

    public List<string> Ids() => NdjsonFile.Ids(RecordsFile);
}
