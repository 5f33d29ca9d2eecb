using System.Text.RegularExpressions;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Cli;

/// <summary>
/// Compares output with a committed golden file (tests/EtlRouter.Tests/Cli/Golden). ETL_UPDATE_GOLDEN=1
/// rewrites the files instead; review the diff before committing.
/// </summary>
public static partial class Golden
{
    public static void Match(string name, string actual)
    {
        var path = Path.Combine(RepositoryRoot.Path, "tests", "EtlRouter.Tests", "Cli", "Golden", name);
        var normalized = string.Join('\n', actual.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()));
        if (Environment.GetEnvironmentVariable("ETL_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, normalized);
            return;
        }

        Assert.True(File.Exists(path), $"golden file {name} is missing; run the test with ETL_UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(path), normalized);
    }

    /// <summary>Replaces ages (12s, 3m) and times that depend on when the test ran.</summary>
    public static string Stable(string text) => Timestamp().Replace(Ages().Replace(text, "<age>"), "<time>");

    [GeneratedRegex(@"(?<=\s)\d+[smhd](?=\s|$)", RegexOptions.Multiline)]
    private static partial Regex Ages();

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")]
    private static partial Regex Timestamp();
}
