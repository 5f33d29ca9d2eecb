using System.CommandLine;
using EtlRouter.Cli.Resources;
using EtlRouter.Cli.Targets;
using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using EtlRouter.Entities.Schema;

namespace EtlRouter.Cli.Commands;

/// <summary>etlctl delete KIND NAME, or delete -f FILE: removes resources (a pipeline's finalizer drains it from the router).</summary>
internal static class DeleteCommand
{
    public static Command Create(GlobalOptions global)
    {
        var kind = new Argument<string?>("kind") { Arity = ArgumentArity.ZeroOrOne, Description = "The kind (or use -f)" };
        var names = new Argument<string[]>("names") { Arity = ArgumentArity.ZeroOrMore, Description = "The objects' names" };
        var files = new Option<string[]>("--filename", "-f") { Description = "Delete what these manifests declare", AllowMultipleArgumentsPerToken = true };
        var ignoreMissing = new Option<bool>("--ignore-not-found") { Description = "Succeed when an object does not exist" };
        var command = Examples.Command("delete",
            "Delete resources by name or by manifest. Exit code 1 when one did not exist (unless --ignore-not-found).",
            "etlctl delete pipeline user-analytics",
            "etlctl delete -f pipeline.yaml",
            "etlctl delete pipeline demo --router 127.0.0.1:50051");
        command.Arguments.Add(kind);
        command.Arguments.Add(names);
        command.Options.Add(files);
        command.Options.Add(ignoreMissing);
        command.Run(global.Console, async (parse, cancellationToken) =>
        {
            var targets = new List<(EntityMetadata Kind, string? Namespace, string Name)>();
            if (parse.GetValue(files) is { Length: > 0 } paths)
            {
                foreach (var document in ManifestFiles.Read(paths, global.Console.In).Where(d => d.Entity is not null))
                    targets.Add((EntityMetadata.For(document.Entity!.GetType()), document.Entity!.Metadata.NamespaceProperty, document.Entity.Metadata.Name));
            }
            else
            {
                if (parse.GetValue(kind) is not { } kindText || parse.GetValue(names) is not { Length: > 0 } given)
                    throw new CliException("name a kind and one or more names, or use -f FILE", ExitCodes.Usage);
                var meta = ResourceKinds.Resolve(kindText);
                targets.AddRange(given.Select(n => (meta, (string?)null, n)));
            }

            var missing = 0;
            if (global.RouterIfAsked(parse) is { } router)
            {
                using (router)
                {
                    foreach (var (meta, ns, name) in targets)
                    {
                        if (meta.Type != typeof(EtlPipeline)) throw new CliException($"the router holds pipelines only; delete {meta.Plural} through Kubernetes", ExitCodes.Usage);
                        var reference = new PipelineRef { Namespace = ns ?? global.NamespaceOr(parse, "default"), Name = name };
                        var deleted = await router.CallAsync(async () => await router.ControlPlane.DeletePipelineAsync(new DeletePipelineRequest { Ref = reference }, deadline: RouterTarget.Deadline(), cancellationToken: cancellationToken));
                        missing += Report(global, deleted.Existed, $"pipeline {reference.Namespace}/{name}");
                    }
                }
            }
            else
            {
                using var kube = global.Kubernetes(parse);
                var resources = new CustomResources(kube);
                foreach (var (meta, ns, name) in targets)
                {
                    var existed = await resources.DeleteAsync(meta, ns ?? global.NamespaceOr(parse, kube.DefaultNamespace), name, cancellationToken);
                    missing += Report(global, existed, $"{meta.Singular}.{meta.Group}/{name}");
                }
            }

            return missing > 0 && !parse.GetValue(ignoreMissing) ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }

    private static int Report(GlobalOptions global, bool existed, string what)
    {
        if (existed)
        {
            global.Console.Done($"{what} deleted");
            return 0;
        }

        global.Console.Error.WriteLine($"error: {what} not found");
        return 1;
    }
}
