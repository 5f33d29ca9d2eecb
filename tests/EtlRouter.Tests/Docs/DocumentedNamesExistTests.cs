using System.Text.RegularExpressions;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Docs;

/// <summary>
/// The README and docs/ cannot go stale silently: every repository path they name in backticks exists, and every
/// `make TARGET` they tell people to run is a target of the Makefile (in backticks, as commands are written), and
/// every operator setting they name (`Webhook:Injector:Mode`, `Install__ManageCa`) is one the operator binds.
/// </summary>
public sealed partial class DocumentedNamesExistTests
{
    private static readonly string Root = RepositoryRoot.Path;

    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string>("README.md");
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(Root, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_repository_path_a_document_names_exists(string document)
    {
        var text = File.ReadAllText(Path.Combine(Root, document));
        var topLevel = Directory.EnumerateFileSystemEntries(Root).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        var missing = Quoted().Matches(text).Select(m => m.Groups[1].Value)
            .SelectMany(quoted => quoted.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(token => token.TrimEnd(',', '.', ';', ':', ')').TrimStart('('))
            .Where(token => token.Contains('/', StringComparison.Ordinal) && LooksLikeAPath(token) && topLevel.Contains(token.Split('/')[0]))
            .Select(token => token.Split('#')[0])
            .Where(path => !File.Exists(Path.Combine(Root, path)) && !Directory.Exists(Path.Combine(Root, path)))
            .Distinct()
            .ToList();
        Assert.True(missing.Count == 0, $"{document} names paths that do not exist: {string.Join(", ", missing)}");
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_make_target_a_document_names_is_in_the_makefile(string document)
    {
        var text = File.ReadAllText(Path.Combine(Root, document));
        var targets = Target().Matches(File.ReadAllText(Path.Combine(Root, "Makefile"))).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var missing = Quoted().Matches(text).Select(m => MakeCommand().Match(m.Groups[1].Value)).Where(m => m.Success)
            .Select(m => m.Groups[1].Value).Where(t => !targets.Contains(t)).Distinct().ToList();
        Assert.True(missing.Count == 0, $"{document} names make targets the Makefile lacks: {string.Join(", ", missing)}");
    }

    /// <summary>The operator's configuration sections (Operator/Program.cs binds each to its settings class).</summary>
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.Ordinal)
    {
        ["Operator"] = typeof(EtlRouter.OperatorRuntime.OperatorSettings),
        ["Router"] = typeof(EtlRouter.Operator.Router.RouterSettings),
        ["Webhook"] = typeof(EtlRouter.Operator.Webhooks.WebhookSettings),
        ["Install"] = typeof(EtlRouter.Operator.Security.InstallAuthoritySettings),
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_operator_setting_a_document_names_is_a_setting(string document)
    {
        var text = File.ReadAllText(Path.Combine(Root, document));
        var missing = Quoted().Matches(text).Select(m => m.Groups[1].Value)
            .Where(token => Setting().IsMatch(token) && Sections.ContainsKey(token.Split(':', '_')[0]))
            .Where(token => !Resolves(token.Split([":", "__"], StringSplitOptions.None)))
            .Distinct()
            .ToList();
        Assert.True(missing.Count == 0, $"{document} names operator settings that do not exist: {string.Join(", ", missing)}");
    }

    // Section:Property:Property..., each a public settable property of the one before.
    private static bool Resolves(string[] path)
    {
        var type = Sections[path[0]];
        foreach (var name in path[1..])
        {
            var property = type.GetProperty(name);
            if (property is null || !property.CanWrite) return false;
            type = property.PropertyType;
        }

        return true;
    }

    // Placeholders (NAME, VERSION, *, ...) and what running makes (.artifacts/) are not repository paths.
    private static bool LooksLikeAPath(string token) =>
        !token.StartsWith(".artifacts/", StringComparison.Ordinal) && !token.Contains("://", StringComparison.Ordinal) && !token.Contains('*', StringComparison.Ordinal) && !token.Contains("...", StringComparison.Ordinal)
        && !token.Contains('$', StringComparison.Ordinal) && !token.Contains('{', StringComparison.Ordinal) && !token.Contains('<', StringComparison.Ordinal)
        && !token.Contains('=', StringComparison.Ordinal) && !Placeholder().IsMatch(token);

    [GeneratedRegex("`([^`\\n]+)`")]
    private static partial Regex Quoted();

    // Webhook:Injector:Mode, or Webhook__Injector__Mode as an environment variable.
    [GeneratedRegex(@"^[A-Z][A-Za-z]+((:[A-Z][A-Za-z]+)+|(__[A-Z][A-Za-z]+)+)$")]
    private static partial Regex Setting();

    // `make run`, `ROUTER_NODES=3 make run`, `make test` in a quoted command.
    [GeneratedRegex(@"(?:^|\s)make ([a-z][a-z0-9-]*)\b")]
    private static partial Regex MakeCommand();

    [GeneratedRegex(@"^([a-z][a-z0-9-]*):", RegexOptions.Multiline)]
    private static partial Regex Target();

    // A path segment in capitals (NAME, VERSION, NAME-tls), not README.md.
    [GeneratedRegex(@"(^|/)[A-Z_]{3,}(-[a-z]+)?(/|$)")]
    private static partial Regex Placeholder();
}
