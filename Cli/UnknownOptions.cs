using System.CommandLine;
using System.CommandLine.Parsing;

namespace EtlRouter.Cli;

/// <summary>
/// Refuses, before anything is contacted, a command line that holds an option its command does not know
/// (`--dry-runn`) or an option-like word where a name belongs (`delete pipeline a1 -x`), naming the nearest known
/// option ("did you mean --dry-run?") or the commands that have it, with the command's usage line.
/// </summary>
internal static class UnknownOptions
{
    /// <summary>The first problem as one sentence, or null when the command line is clean.</summary>
    public static string? Find(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        // Names, and the values of list options (-f a.yaml --dryrun reads "--dryrun" as one more file), may not look
        // like options; a single value may (--since -1h is the option's business).
        var stray = parse.UnmatchedTokens.FirstOrDefault(LooksLikeOption)
            ?? parse.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).Select(t => t.Value).FirstOrDefault(LooksLikeOption)
            ?? parse.CommandResult.Children.OfType<OptionResult>().Where(o => o.Option.Arity.MaximumNumberOfValues > 1)
                .SelectMany(o => o.Tokens).Select(t => t.Value).FirstOrDefault(LooksLikeOption);
        if (stray is null) return null;
        var name = stray.Split('=', 2)[0];
        return $"'{stray}' is not an option of '{Path(parse.CommandResult)}'{Hint(parse, command, name)}";
    }

    /// <summary>"Usage: etlctl delete [kind] [names...] [options]".</summary>
    public static string Usage(ParseResult parse)
    {
        var arguments = parse.CommandResult.Command.Arguments.Select(a => a.Arity.MinimumNumberOfValues > 0 ? $"<{a.Name}>" : $"[{a.Name}{(a.Arity.MaximumNumberOfValues > 1 ? "..." : string.Empty)}]");
        var subcommands = parse.CommandResult.Command.Subcommands.Count > 0 ? " COMMAND" : string.Empty;
        return $"Usage: {string.Join(' ', new[] { Path(parse.CommandResult) + subcommands }.Concat(arguments))} [options]";
    }

    private static bool LooksLikeOption(string token) => token.Length > 1 && token[0] == '-';

    private static string Hint(ParseResult parse, Command command, string name)
    {
        var known = Options(parse.CommandResult).SelectMany(o => new[] { o.Name }.Concat(o.Aliases)).Where(a => a.StartsWith("--", StringComparison.Ordinal)).Distinct().ToList();
        var nearest = known.Select(k => (Known: k, Distance: Distance(name, k))).OrderBy(p => p.Distance).FirstOrDefault();
        if (nearest.Known is not null && nearest.Distance <= Math.Max(2, name.Length / 4))
            return $"; did you mean {nearest.Known}?";
        var elsewhere = Commands(parse.RootCommandResult.Command, "etlctl")
            .Where(c => c.Command != command && c.Command.Options.Any(o => o.Name == name || o.Aliases.Contains(name)))
            .Select(c => c.Path).ToList();
        return elsewhere.Count > 0
            ? $"; {name} is an option of {string.Join(", ", elsewhere)}"
            : known.Count > 0 ? $"; it takes {string.Join(", ", known.Where(k => k is not "--help" and not "--version"))}" : string.Empty;
    }

    private static IEnumerable<Option> Options(CommandResult result)
    {
        foreach (var option in result.Command.Options) yield return option;
        for (var parent = result.Parent as CommandResult; parent is not null; parent = parent.Parent as CommandResult)
        {
            foreach (var option in parent.Command.Options.Where(o => o.Recursive)) yield return option;
        }
    }

    private static IEnumerable<(Command Command, string Path)> Commands(Command command, string path)
    {
        yield return (command, path);
        foreach (var child in command.Subcommands)
        {
            foreach (var found in Commands(child, $"{path} {child.Name}")) yield return found;
        }
    }

    private static string Path(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c; r = c.Parent) names.Add(c.Parent is null ? "etlctl" : c.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>Levenshtein distance: how many single-character edits turn one option into the other.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
