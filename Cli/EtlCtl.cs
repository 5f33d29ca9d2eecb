using System.CommandLine;
using EtlRouter.Cli.Commands;

namespace EtlRouter.Cli;

/// <summary>The etlctl command tree; <see cref="RunAsync"/> is Program.Main, callable in-process by tests.</summary>
internal static class EtlCtl
{
    public static RootCommand Build(CliConsole console)
    {
        var global = new GlobalOptions(console);
        var root = Examples.Root(
            "etlctl drives ETL Router: custom resources through Kubernetes (the kubeconfig), and the router directly (--router or ETLCTL_ROUTER).\nExit codes: 0 done, 1 failed (invalid input, refused, not found), 2 usage error, 3 nothing reachable.",
            "etlctl apply -f pipeline.yaml",
            "etlctl get pipelines -A",
            "etlctl describe pipeline user-analytics",
            "etlctl validate -f pipelines/",
            "etlctl graph -f pipelines/ --format dot | dot -Tpng -o pipelines.png",
            "etlctl dlq list -p orders --since 1h --router 127.0.0.1:50051",
            "etlctl cluster status --router 127.0.0.1:50051");
        global.AddTo(root);
        root.Subcommands.Add(ApplyCommand.Create(global));
        root.Subcommands.Add(GetCommand.Create(global));
        root.Subcommands.Add(DescribeCommand.Create(global));
        root.Subcommands.Add(DeleteCommand.Create(global));
        root.Subcommands.Add(ValidateCommand.Create(global));
        root.Subcommands.Add(GraphCommand.Create(global));
        root.Subcommands.Add(DlqCommand.Create(global));
        root.Subcommands.Add(ClusterCommand.Create(global));
        root.Subcommands.Add(BackupCommand.Create(global));
        root.Subcommands.Add(CertsCommand.Create(global));
        root.Subcommands.Add(CompletionCommand.Create(global));
        Examples.AppendToHelp(root);
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var root = Build(console);
        var parse = root.Parse(args);
        if (parse.CommandResult.Command.Options.Any(o => o.Name == DryRun.Name)) parse = root.Parse(DryRun.NormalizeArguments(args));
        var helpAsked = Examples.IsHelp(parse);

        // Nothing is contacted when the command line holds an option the command does not know, or an
        // option-like word where a name belongs: `delete pipeline a1 --dryrun` must not delete a1.
        if (!helpAsked && UnknownOptions.Find(parse) is { } stray)
        {
            await console.Error.WriteLineAsync($"error: {stray}");
            await console.Error.WriteLineAsync(UnknownOptions.Usage(parse));
            return ExitCodes.Usage;
        }

        // Help and directives run despite errors (apply --help lacks -f); only a real parse error stops here.
        if (parse.Errors.Count > 0 && parse.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            foreach (var error in parse.Errors) await console.Error.WriteLineAsync($"error: {error.Message}");
            await console.Error.WriteLineAsync($"{UnknownOptions.Usage(parse)} (etlctl {(parse.CommandResult.Parent is null ? string.Empty : "COMMAND ")}--help for more)");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken);
    }
}
