using System.CommandLine;
using EtlRouter.Cli.Output;
using EtlRouter.Cli.Resources;
using EtlRouter.Cli.Targets;
using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using Google.Protobuf;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.Cli.Commands;

/// <summary>etlctl get KIND [NAME]: a table (or yaml/json/name) of our resources, from Kubernetes or the router.</summary>
internal static class GetCommand
{
    public static Command Create(GlobalOptions global)
    {
        var kind = new Argument<string>("kind") { Description = "pipelines, sources, transforms, sinks, routerclusters (or a short name)", HelpName = "kind" };
        kind.CompletionSources.Add(_ => ResourceKinds.All.Select(k => new System.CommandLine.Completions.CompletionItem(k.Plural)));
        var name = new Argument<string?>("name") { Arity = ArgumentArity.ZeroOrOne, Description = "One object" };
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "Every namespace" };
        var output = new Option<string?>("--output", "-o") { Description = "wide, yaml, json or name" };
        output.AcceptOnlyFromAmong("wide", "yaml", "json", "name");
        var selector = new Option<string?>("--selector", "-l") { Description = "Label selector, such as team=data,tier!=test" };
        var command = Examples.Command("get",
            "List resources, or show one.",
            "etlctl get pipelines",
            "etlctl get etlp -A -o wide",
            "etlctl get pipeline user-analytics -o yaml",
            "etlctl get sources -l team=data -o name",
            "etlctl get pipelines --router 127.0.0.1:50051");
        command.Arguments.Add(kind);
        command.Arguments.Add(name);
        command.Options.Add(all);
        command.Options.Add(output);
        command.Options.Add(selector);
        command.Run(global.Console, async (parse, cancellationToken) =>
        {
            var meta = ResourceKinds.Resolve(parse.GetValue(kind)!);
            var format = OutputFormats.Parse(parse.GetValue(output));
            var wanted = parse.GetValue(name);
            if (wanted is not null) ObjectNames.Check([wanted]);
            if (global.RouterIfAsked(parse) is { } router)
            {
                using (router)
                    return await FromRouterAsync(global, router, meta, wanted, parse.GetValue(all) ? string.Empty : global.NamespaceOr(parse, "default"), format, cancellationToken);
            }

            using var kube = global.Kubernetes(parse);
            var resources = new CustomResources(kube);
            var allNamespaces = parse.GetValue(all);
            var ns = global.NamespaceOr(parse, kube.DefaultNamespace);
            IReadOnlyList<System.Text.Json.Nodes.JsonObject> items;
            if (wanted is not null)
            {
                var one = await resources.GetAsync(meta, ns, wanted, cancellationToken)
                    ?? throw new CliException($"{meta.Plural}.{meta.Group} \"{wanted}\" not found in namespace {ns}");
                items = [one];
            }
            else
            {
                items = await resources.ListAsync(meta, allNamespaces ? null : ns, parse.GetValue(selector), cancellationToken);
            }

            switch (format)
            {
                case OutputFormat.Json:
                    global.Console.Out.Write(Serialization.Json(wanted is null ? Serialization.List(items) : items[0]));
                    break;
                case OutputFormat.Yaml:
                    global.Console.Out.Write(Serialization.Yaml(wanted is null ? Serialization.List(items) : items[0]));
                    break;
                case OutputFormat.Name:
                    foreach (var item in items) global.Console.Line(ResourceRows.Name(meta, item));
                    break;
                default:
                    if (items.Count == 0)
                    {
                        global.Console.Error.WriteLine(allNamespaces ? $"No {meta.Plural} found." : $"No {meta.Plural} found in {ns} namespace.");
                        break;
                    }

                    var (headers, rows) = ResourceRows.Table(meta, items, allNamespaces, format == OutputFormat.Wide, DateTimeOffset.UtcNow);
                    TableWriter.Write(global.Console, headers, rows);
                    break;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<int> FromRouterAsync(GlobalOptions global, RouterTarget router, EntityMetadata meta, string? wanted, string ns, OutputFormat format, CancellationToken cancellationToken)
    {
        if (meta.Type != typeof(EtlPipeline))
            throw new CliException($"the router holds pipelines only; get {meta.Plural} from Kubernetes (drop --router)", ExitCodes.Usage);
        var list = await router.CallAsync(async () => await router.ControlPlane.ListPipelinesAsync(new ListPipelinesRequest { Namespace = ns }, deadline: RouterTarget.Deadline(), cancellationToken: cancellationToken));
        var pipelines = list.Pipelines.Where(p => wanted is null || p.Definition.Ref.Name == wanted).OrderBy(p => p.Definition.Ref.Namespace, StringComparer.Ordinal).ThenBy(p => p.Definition.Ref.Name, StringComparer.Ordinal).ToList();
        if (wanted is not null && pipelines.Count == 0) throw new CliException($"pipeline {wanted} not found on the router at {router.Address}");
        switch (format)
        {
            case OutputFormat.Json or OutputFormat.Yaml:
                var json = System.Text.Json.Nodes.JsonNode.Parse(JsonFormatter.Default.Format(new ListPipelinesResponse { Pipelines = { pipelines } }))!;
                var node = wanted is null ? json : json["pipelines"]![0]!;
                global.Console.Out.Write(format == OutputFormat.Json ? Serialization.Json(node) : Serialization.Yaml(node));
                break;
            case OutputFormat.Name:
                foreach (var p in pipelines) global.Console.Line($"pipeline/{p.Definition.Ref.Namespace}/{p.Definition.Ref.Name}");
                break;
            default:
                if (pipelines.Count == 0)
                {
                    global.Console.Error.WriteLine("No pipelines found on the router.");
                    break;
                }

                string[] headers = format == OutputFormat.Wide
                    ? ["Namespace", "Name", "Generation", "Stages", "Records In", "Records Out", "Dead Letters", "Throttled"]
                    : ["Namespace", "Name", "Generation", "Stages", "Records In", "Records Out", "Dead Letters"];
                TableWriter.Write(global.Console, headers, pipelines.Select(p =>
                {
                    var row = new List<string>
                    {
                        p.Definition.Ref.Namespace, p.Definition.Ref.Name, $"{p.Definition.Generation}",
                        $"{p.Stages.Count(s => s.Assignments.Count > 0)}/{p.Stages.Count}", $"{p.RecordsIn}", $"{p.RecordsOut}", $"{p.DeadLetters}",
                    };
                    if (format == OutputFormat.Wide) row.Add(string.Join(",", p.Edges.Where(e => e.Throttled).Select(e => $"{e.FromStage}->{e.ToStage}")) is { Length: > 0 } t ? t : "-");
                    return (IReadOnlyList<string>)row;
                }));
                break;
        }

        return ExitCodes.Success;
    }
}
