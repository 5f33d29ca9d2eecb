using System.CommandLine;
using System.Text.Json.Nodes;
using EtlRouter.Cli.Output;
using EtlRouter.Cli.Resources;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.Cli.Commands;

/// <summary>
/// etlctl apply -f: validates every document first (nothing is written when any is invalid), then creates
/// or replaces each object; unchanged objects are left alone. --dry-run shows what would happen.
/// </summary>
internal static class ApplyCommand
{
    public static Command Create(GlobalOptions global)
    {
        var files = new Option<string[]>("--filename", "-f") { Description = "Files, directories or - (standard input)", Required = true, AllowMultipleArgumentsPerToken = true };
        var dryRun = DryRun.Option("what would change");
        var command = Examples.Command("apply",
            "Create or update resources from manifests (multi-document YAML; Source, Transform, Sink and Pipeline are read as the Etl kinds).",
            "etlctl apply -f pipeline.yaml",
            "etlctl apply -f config/samples/ --dry-run",
            "etlctl apply -f pipeline.yaml --dry-run=server",
            "cat pipeline.yaml | etlctl apply -f -");
        command.Options.Add(files);
        command.Options.Add(dryRun);
        command.Run(global.Console, async (parse, cancellationToken) =>
        {
            if (global.RouterIfAsked(parse) is { } router)
            {
                router.Dispose();
                throw new CliException("apply writes custom resources through Kubernetes; the router takes pipelines from the operator. Drop --router (locally, `make run` serves a kubeconfig at .artifacts/kubeconfig)", ExitCodes.Usage);
            }

            var documents = ManifestFiles.Read(parse.GetValue(files) ?? [], global.Console.In);
            var invalid = documents.Where(d => !d.IsValid).ToList();
            if (invalid.Count > 0)
            {
                foreach (var document in invalid)
                {
                    foreach (var issue in document.Issues)
                        global.Console.Error.WriteLine($"{document.Location}: {issue.Path}: {issue.Message}");
                }

                throw new CliException($"{invalid.Count} of {documents.Count} document(s) invalid; nothing was applied");
            }

            if (parse.GetValue(global.Namespace) is { } namespaceOption) ObjectNames.Check([namespaceOption], "namespace");
            using var kube = global.Kubernetes(parse);
            var resources = new CustomResources(kube);
            var mode = parse.Mode(dryRun);
            var suffix = mode.Suffix();
            foreach (var document in documents)
            {
                var meta = EntityMetadata.For(document.Entity!.GetType());
                var body = (JsonObject)document.Json!.DeepClone();
                body["apiVersion"] = meta.ApiVersion;
                body["kind"] = meta.Kind;
                body.Remove("status");
                var metadata = (JsonObject)body["metadata"]!;
                var ns = metadata["namespace"]?.ToString() ?? global.NamespaceOr(parse, kube.DefaultNamespace);
                metadata["namespace"] = ns;
                var name = metadata["name"]!.ToString();
                var existing = await resources.GetAsync(meta, ns, name, cancellationToken);
                var label = $"{meta.Singular}.{meta.Group}/{name}";
                if (existing is null)
                {
                    if (mode != DryRunMode.Client) await resources.CreateAsync(meta, ns, body, cancellationToken, dryRun: mode == DryRunMode.Server);
                    global.Console.Done($"{label} created{suffix}");
                }
                else if (Same(existing, body))
                {
                    global.Console.Line($"{label} unchanged{suffix}");
                }
                else
                {
                    metadata["resourceVersion"] = existing["metadata"]?["resourceVersion"]?.DeepClone();
                    if (existing["metadata"]?["finalizers"] is { } finalizers) metadata["finalizers"] = finalizers.DeepClone();
                    if (mode != DryRunMode.Client) await resources.ReplaceAsync(meta, ns, name, body, cancellationToken, dryRun: mode == DryRunMode.Server);
                    global.Console.Done($"{label} configured{suffix}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Unchanged: the same spec, labels and annotations as stored.</summary>
    private static bool Same(JsonObject stored, JsonObject wanted) =>
        JsonNode.DeepEquals(stored["spec"], wanted["spec"])
        && JsonNode.DeepEquals(Normalize(stored["metadata"]?["labels"]), Normalize(wanted["metadata"]?["labels"]))
        && JsonNode.DeepEquals(Normalize(stored["metadata"]?["annotations"]), Normalize(wanted["metadata"]?["annotations"]));

    private static JsonNode? Normalize(JsonNode? node) => node is JsonObject { Count: 0 } ? null : node;
}
