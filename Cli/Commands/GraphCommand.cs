using System.CommandLine;
using EtlRouter.Cli.Graph;
using EtlRouter.Cli.Resources;
using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using k8s;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.Cli.Commands;

/// <summary>etlctl graph: the pipeline DAG from files (offline), from Kubernetes or from the router.</summary>
internal static class GraphCommand
{
    public static Command Create(GlobalOptions global)
    {
        var files = new Option<string[]>("--filename", "-f") { Description = "Draw the pipelines in these files (offline)", AllowMultipleArgumentsPerToken = true };
        var format = new Option<string>("--format") { Description = "dot, mermaid or text", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("dot", "mermaid", "text");
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "Every namespace's pipelines" };
        var name = new Argument<string?>("pipeline") { Description = "One pipeline (default: every pipeline in the namespace)", Arity = ArgumentArity.ZeroOrOne };
        var command = Examples.Command("graph",
            "Draw pipelines: stages, fan-in and fan-out, and services shared between pipelines.",
            "etlctl graph -f pipelines/ --format dot | dot -Tpng -o pipelines.png",
            "etlctl graph user-analytics --format mermaid",
            "etlctl graph -A --router 127.0.0.1:50051");
        command.Options.Add(files);
        command.Options.Add(format);
        command.Options.Add(all);
        command.Arguments.Add(name);
        command.Run(global.Console, async (parse, cancellationToken) =>
        {
            var wanted = parse.GetValue(name);
            if (wanted is not null) ObjectNames.Check([wanted], "pipeline");
            var views = new List<PipelineGraphView>();
            if (parse.GetValue(files) is { Length: > 0 } paths)
            {
                var documents = ManifestFiles.Read(paths, global.Console.In);
                var broken = documents.Where(d => d.Kind == "EtlPipeline" && !d.IsValid).ToList();
                if (broken.Count > 0)
                    throw new CliException(string.Join("\n", broken.SelectMany(d => d.Issues.Select(i => $"{d.Location}: {i}"))));
                views.AddRange(documents.Where(d => d.Entity is EtlPipeline).Select(d => GraphSources.FromEntity((EtlPipeline)d.Entity!, d.Location)));
            }
            else if (global.RouterIfAsked(parse) is { } router)
            {
                using (router)
                {
                    var ns = parse.GetValue(all) ? string.Empty : global.NamespaceOr(parse, "default");
                    var list = await router.CallAsync(async () => await router.ControlPlane.ListPipelinesAsync(new ListPipelinesRequest { Namespace = ns }, deadline: EtlRouter.Cli.Targets.RouterTarget.Deadline(), cancellationToken: cancellationToken));
                    views.AddRange(list.Pipelines.Select(p => GraphSources.FromDefinition(p.Definition)));
                }
            }
            else
            {
                using var kube = global.Kubernetes(parse);
                var ns = parse.GetValue(all) ? null : global.NamespaceOr(parse, kube.DefaultNamespace);
                var items = await new CustomResources(kube).ListAsync(EntityMetadata.For<EtlPipeline>(), ns, null, cancellationToken);
                views.AddRange(items.Select(i => GraphSources.FromEntity(KubernetesJson.Deserialize<EtlPipeline>(i.ToJsonString()), $"{i["metadata"]?["namespace"]}/{i["metadata"]?["name"]}")));
            }

            if (wanted is not null)
            {
                views = views.Where(v => v.Name == wanted).ToList();
                if (views.Count == 0) throw new CliException($"pipeline {wanted} not found");
            }

            if (views.Count == 0) throw new CliException("no pipelines to draw");
            global.Console.Out.Write(GraphRenderer.Render(views.OrderBy(v => v.Id, StringComparer.Ordinal).ToList(), parse.GetValue(format)!));
            return ExitCodes.Success;
        });
        return command;
    }
}
