using System.Text.Json.Nodes;
using EtlRouter.Entities.Manifests;
using EtlRouter.Testing.KubeApiServer;
using YamlDotNet.RepresentationModel;

// Runs the test API server on its own, for `make run`:
//   KubeApiServer --port 16443 --crds config/crd --apply config/samples
// It installs the CRDs, creates the manifests (in namespace "default"), and serves until Ctrl-C.
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : string.Empty);
var port = int.Parse(options.GetValueOrDefault("port", "16443"), System.Globalization.CultureInfo.InvariantCulture);

await using var server = await TestApiServer.StartAsync(port);
foreach (var (folder, isCrd) in new[] { (options.GetValueOrDefault("crds"), true), (options.GetValueOrDefault("apply"), false) })
{
    if (string.IsNullOrEmpty(folder))
        continue;
    foreach (var file in Directory.GetFiles(folder, "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)).Order())
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(file)));
        foreach (var document in stream.Documents)
        {
            if (YamlToJson.Convert(document.RootNode) is not JsonObject obj)
                continue;
            var apiVersion = obj["apiVersion"]!.ToString();
            var (group, version) = apiVersion.Contains('/') ? (apiVersion.Split('/')[0], apiVersion.Split('/')[1]) : ("", apiVersion);
            var plural = obj["kind"]!.ToString().ToLowerInvariant() + "s";
            var type = server.Store.FindType(group, version, plural) ?? throw new InvalidOperationException($"{file}: unknown kind {obj["kind"]}");
            var created = server.Store.Create(type, type.Namespaced ? "default" : null, obj);
            if (isCrd)
                server.RegisterCrd(created);
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
