using System.CommandLine;
using EtlRouter.Cli.Resources;
using EtlRouter.Cli.Targets;
using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using Grpc.Core;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.Cli.Commands;

/// <summary>
/// etlctl delete KIND NAME..., or delete -f FILE: removes resources (a pipeline's finalizer drains it from the
/// router). Every name is checked (valid, and existing unless --ignore-not-found) before any is deleted, so one bad
/// name in a list deletes nothing; --dry-run shows what would be deleted.
/// </summary>
internal static class DeleteCommand
{
    private sealed record Target(EntityMetadata Kind, string Namespace, string Name)
    {
        public string Label(bool router) => router ? $"pipeline {Namespace}/{Name}" : $"{Kind.Singular}.{Kind.Group}/{Name}";
    }

    public static Command Create(GlobalOptions global)
    {
        var kind = new Argument<string?>("kind") { Arity = ArgumentArity.ZeroOrOne, Description = "The kind (or use -f)" };
        var names = new Argument<string[]>("names") { Arity = ArgumentArity.ZeroOrMore, Description = "The objects' names" };
        var files = new Option<string[]>("--filename", "-f") { Description = "Delete what these manifests declare", AllowMultipleArgumentsPerToken = true };
        var ignoreMissing = new Option<bool>("--ignore-not-found") { Description = "Succeed when an object does not exist" };
        var dryRun = DryRun.Option("what would be deleted");
        var command = Examples.Command("delete",
            "Delete resources by name or by manifest. Every name is checked before any is deleted; exit code 1 (and nothing deleted) when one does not exist, unless --ignore-not-found.",
            "etlctl delete pipeline user-analytics",
            "etlctl delete pipeline a1 a2 --dry-run",
            "etlctl delete -f pipeline.yaml",
            "etlctl delete pipeline demo --router 127.0.0.1:50051");
        command.Arguments.Add(kind);
        command.Arguments.Add(names);
        command.Options.Add(files);
        command.Options.Add(ignoreMissing);
        command.Options.Add(dryRun);
        command.Run(global.Console, async (parse, cancellationToken) =>
        {
            var requested = Requested(parse, global, kind, names, files);
            var mode = parse.Mode(dryRun);
            var ignore = parse.GetValue(ignoreMissing);
            if (global.RouterIfAsked(parse) is { } router)
            {
                using (router)
                    return await OnRouterAsync(global, parse, router, requested, mode, ignore, cancellationToken);
            }

            using var kube = global.Kubernetes(parse);
            return await OnKubernetesAsync(global, parse, kube, requested, mode, ignore, cancellationToken);
        });
        return command;
    }

    /// <summary>The (kind, namespace or null, name) triples asked for, every one checked; nothing is contacted.</summary>
    private static List<(EntityMetadata Kind, string? Namespace, string Name)> Requested(
        ParseResult parse, GlobalOptions global, Argument<string?> kind, Argument<string[]> names, Option<string[]> files)
    {
        var requested = new List<(EntityMetadata, string?, string)>();
        if (parse.GetValue(files) is { Length: > 0 } paths)
        {
            if (parse.GetValue(kind) is not null) throw new CliException("give a kind and names, or -f FILE, not both", ExitCodes.Usage);
            var documents = ManifestFiles.Read(paths, global.Console.In);
            if (documents.FirstOrDefault(d => d.Entity is null) is { } unreadable)
                throw new CliException($"{unreadable.Location}: {string.Join("; ", unreadable.Issues)}; nothing was deleted");
            requested.AddRange(documents.Select(d => (EntityMetadata.For(d.Entity!.GetType()), (string?)d.Entity!.Metadata.NamespaceProperty, d.Entity.Metadata.Name ?? string.Empty)));
        }
        else
        {
            if (parse.GetValue(kind) is not { } kindText || parse.GetValue(names) is not { Length: > 0 } given)
                throw new CliException("name a kind and one or more names, or use -f FILE", ExitCodes.Usage);
            var meta = ResourceKinds.Resolve(kindText);
            requested.AddRange(given.Select(n => (meta, (string?)null, n)));
        }

        ObjectNames.Check(requested.Select(r => r.Item3));
        ObjectNames.Check(requested.Select(r => r.Item2).OfType<string>().Concat(parse.GetValue(global.Namespace) is { } ns ? [ns] : []), "namespace");
        return requested;
    }

    private static async Task<int> OnRouterAsync(GlobalOptions global, ParseResult parse, RouterTarget router, List<(EntityMetadata Kind, string? Namespace, string Name)> requested, DryRunMode mode, bool ignore, CancellationToken cancellationToken)
    {
        if (requested.FirstOrDefault(r => r.Kind.Type != typeof(EtlPipeline)) is { Kind: { } other })
            throw new CliException($"the router holds pipelines only; delete {other.Plural} through Kubernetes", ExitCodes.Usage);
        var targets = requested.Select(r => new Target(r.Kind, r.Namespace ?? global.NamespaceOr(parse, "default"), r.Name)).Distinct().ToList();

        var existing = new List<Target>();
        foreach (var target in targets)
        {
            if (await ExistsAsync(router, target, cancellationToken)) existing.Add(target);
        }

        var missing = targets.Except(existing).ToList();
        if (missing.Count > 0 && !ignore)
            throw new CliException($"{string.Join(", ", missing.Select(t => t.Label(router: true)))} not found; nothing was deleted (--ignore-not-found deletes the others)");

        foreach (var target in existing)
        {
            if (mode == DryRunMode.None)
            {
                var deleted = await router.CallAsync(async () => await router.ControlPlane.DeletePipelineAsync(new DeletePipelineRequest { Ref = Ref(target) }, deadline: RouterTarget.Deadline(), cancellationToken: cancellationToken));
                if (!deleted.Existed)
                {
                    global.Console.Error.WriteLine($"{target.Label(router: true)} was deleted by someone else meanwhile");
                    continue;
                }
            }

            global.Console.Done($"{target.Label(router: true)} deleted{mode.Suffix()}");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> OnKubernetesAsync(GlobalOptions global, ParseResult parse, KubernetesTarget kube, List<(EntityMetadata Kind, string? Namespace, string Name)> requested, DryRunMode mode, bool ignore, CancellationToken cancellationToken)
    {
        var resources = new CustomResources(kube);
        var targets = requested.Select(r => new Target(r.Kind, r.Namespace ?? global.NamespaceOr(parse, kube.DefaultNamespace), r.Name)).Distinct().ToList();
        var existing = new List<Target>();
        foreach (var target in targets)
        {
            if (await resources.GetAsync(target.Kind, target.Namespace, target.Name, cancellationToken) is not null) existing.Add(target);
        }

        var missing = targets.Except(existing).ToList();
        if (missing.Count > 0 && !ignore)
            throw new CliException($"{string.Join(", ", missing.Select(t => $"{t.Label(router: false)} (namespace {t.Namespace})"))} not found; nothing was deleted (--ignore-not-found deletes the others)");

        foreach (var target in existing)
        {
            if (mode != DryRunMode.Client && !await resources.DeleteAsync(target.Kind, target.Namespace, target.Name, dryRun: mode == DryRunMode.Server, cancellationToken))
            {
                global.Console.Error.WriteLine($"{target.Label(router: false)} was deleted by someone else meanwhile");
                continue;
            }

            global.Console.Done($"{target.Label(router: false)} deleted{mode.Suffix()}");
        }

        return ExitCodes.Success;
    }

    private static async Task<bool> ExistsAsync(RouterTarget router, Target target, CancellationToken cancellationToken)
    {
        try
        {
            await router.CallAsync(async () => await router.ControlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = Ref(target) }, deadline: RouterTarget.Deadline(), cancellationToken: cancellationToken), passNotFound: true);
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return false;
        }
    }

    private static PipelineRef Ref(Target target) => new() { Namespace = target.Namespace, Name = target.Name };
}
