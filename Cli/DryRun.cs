using System.CommandLine;

namespace EtlRouter.Cli;

/// <summary>
/// kubectl's --dry-run: "client" shows what would happen without asking the server to change anything,
/// "server" also asks the server (the API server's dryRun=All, or the router) to check it, "none" acts. A bare
/// --dry-run means client, as in kubectl.
/// </summary>
internal enum DryRunMode
{
    None,
    Client,
    Server,
}

internal static class DryRun
{
    public const string Name = "--dry-run";

    public static Option<string> Option(string what) => new(Name)
    {
        Description = $"none, client or server (a bare --dry-run is client): show {what} without changing anything; server also asks the server to check it",
        DefaultValueFactory = _ => "none",
        Validators = { result => { if (result.Tokens.Count == 1 && Parse(result.Tokens[0].Value) is null) result.AddError($"{Name}: '{result.Tokens[0].Value}' is not none, client or server"); } },
    };

    public static DryRunMode Mode(this ParseResult parse, Option<string> option) => Parse(parse.GetValue(option) ?? "none") ?? DryRunMode.None;

    /// <summary>A bare --dry-run becomes --dry-run=client, so the option never takes the next word as its value.</summary>
    public static string[] NormalizeArguments(string[] args) =>
        args.TakeWhile(a => a != "--").Select(a => a == Name ? Name + "=client" : a).Concat(args.SkipWhile(a => a != "--")).ToArray();

    /// <summary>What a line ends with when nothing was changed: " (dry run)" or " (server dry run)".</summary>
    public static string Suffix(this DryRunMode mode) => mode switch
    {
        DryRunMode.Client => " (dry run)",
        DryRunMode.Server => " (server dry run)",
        _ => string.Empty,
    };

    private static DryRunMode? Parse(string text) => text switch
    {
        "none" or "false" => DryRunMode.None,
        "client" or "true" => DryRunMode.Client,
        "server" => DryRunMode.Server,
        _ => null,
    };
}
