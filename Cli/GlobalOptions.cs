using System.CommandLine;
using EtlRouter.Cli.Targets;

namespace EtlRouter.Cli;

/// <summary>The options every command understands, and the targets they select.</summary>
internal sealed class GlobalOptions(CliConsole console)
{
    public CliConsole Console { get; } = console;

    public Option<string?> Router { get; } = new("--router") { Description = $"The router's gRPC address, host:port (or set {RouterTarget.Variable}); selects the router instead of Kubernetes", Recursive = true };

    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "The kubeconfig file (default: KUBECONFIG, else ~/.kube/config)", Recursive = true };

    public Option<string?> Context { get; } = new("--context") { Description = "The kubeconfig context to use", Recursive = true };

    public Option<string?> Namespace { get; } = new("--namespace", "-n") { Description = "The namespace (default: the context's, else default)", Recursive = true };

    public const string DebugName = "--debug";

    public Option<bool> Debug { get; } = new(DebugName) { Description = "Print what caused an error (exception details), for reporting a problem", Recursive = true };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Router);
        root.Options.Add(Kubeconfig);
        root.Options.Add(Context);
        root.Options.Add(Namespace);
        root.Options.Add(Debug);
    }

    /// <summary>
    /// The router for commands that can use either target: when --router is given, or when ETLCTL_ROUTER is set
    /// and there is no kubeconfig (local mode). Otherwise null: Kubernetes is the target.
    /// </summary>
    public RouterTarget? RouterIfAsked(ParseResult parse)
    {
        if (parse.GetValue(Router) is { Length: > 0 } option) return RouterTarget.Find(option, Console.Environment);
        return KubernetesTarget.ConfigExists(parse.GetValue(Kubeconfig), Console.Environment) ? null : RouterTarget.Find(null, Console.Environment);
    }

    public RouterTarget RequireRouter(ParseResult parse) => RouterTarget.Require(parse.GetValue(Router), Console.Environment);

    public KubernetesTarget Kubernetes(ParseResult parse) =>
        KubernetesTarget.Connect(parse.GetValue(Kubeconfig), parse.GetValue(Context), Console.Environment);

    public string NamespaceOr(ParseResult parse, string fallback) => parse.GetValue(Namespace) is { Length: > 0 } ns ? ns : fallback;
}
