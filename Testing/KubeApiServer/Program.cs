using System.Text.Json.Nodes;
using EtlRouter.Entities.Manifests;
using EtlRouter.Testing.KubeApiServer;

// Runs the test API server on its own, for `make run`:
//   KubeApiServer --port 16443 --crds config/crd --apply config/samples
// It creates the CRDs, then the manifests (namespaced ones in "default"), and serves until Ctrl-C.
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : string.Empty);
var port = int.Parse(options.GetValueOrDefault("port", "16443"), System.Globalization.CultureInfo.InvariantCulture);

await using var server = await TestApiServer.StartAsync(port);
// --apply takes one folder or several, comma-separated.
foreach (var folder in new[] { options.GetValueOrDefault("crds") }.Concat(options.GetValueOrDefault("apply")?.Split(',') ?? []))
{
    if (string.IsNullOrEmpty(folder))
        continue;
    foreach (var file in Directory.GetFiles(folder, "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)).Order())
    {
        foreach (var document in YamlToJson.ReadDocuments(ManifestSource.ReadFile(file), file, ManifestLimits.Default))
        {
            if (document.Root is not JsonObject obj)
                continue;
            var type = server.Store.FindKind(obj["apiVersion"]!.ToString(), obj["kind"]!.ToString())
                ?? throw new InvalidOperationException($"{file}: {obj["apiVersion"]} {obj["kind"]} is not served");
            server.Store.Create(type, type.Namespaced ? "default" : null, obj);
        }
    }
}

Console.WriteLine($"test API server listening on {server.Url} (Ctrl-C stops it)");
var done = new TaskCompletionSource();
void Stop(System.Runtime.InteropServices.PosixSignalContext context)
{
    context.Cancel = true;
    done.TrySetResult();
}

using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
await done.Task;
