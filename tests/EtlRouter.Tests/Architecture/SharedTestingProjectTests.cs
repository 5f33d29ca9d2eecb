using System.Xml.Linq;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Architecture;

/// <summary>
/// bench/ measures the product with the process rig in Testing/, never with the tests' helpers: a bench that pulled
/// tests/ would build xUnit and every test fixture into a measuring program. Testing/ itself stays free of a test
/// framework so that stays true.
/// </summary>
public sealed class SharedTestingProjectTests
{
    public static TheoryData<string> BenchProjects() => [.. Projects("bench")];

    public static TheoryData<string> TestingProjects() => [.. Projects("Testing")];

    [Theory]
    [MemberData(nameof(BenchProjects))]
    public void A_bench_references_nothing_under_tests(string project)
    {
        var underTests = References(project).Where(r => r.Split('/').Contains("tests")).ToList();
        Assert.True(underTests.Count == 0, $"{project} uses {string.Join(", ", underTests)}: move what it needs into Testing/ProcessRig");
    }

    [Theory]
    [MemberData(nameof(TestingProjects))]
    public void A_shared_testing_project_carries_no_test_framework(string project)
    {
        var frameworks = Packages(project).Where(p => p.StartsWith("xunit", StringComparison.OrdinalIgnoreCase) || p.Contains("Test.Sdk", StringComparison.Ordinal)).ToList();
        Assert.True(frameworks.Count == 0, $"{project} references {string.Join(", ", frameworks)}; keep test-framework code in tests/TestSupport");
        Assert.DoesNotContain(References(project), r => r.Split('/').Contains("tests"));
    }

    [Fact]
    public void The_lists_above_are_not_empty()
    {
        Assert.Contains("bench/ChaosSoak/ChaosSoak.csproj", Projects("bench"));
        Assert.Contains("Testing/ProcessRig/ProcessRig.csproj", Projects("Testing"));
    }

    private static IEnumerable<string> Projects(string folder) =>
        Directory.GetFiles(Path.Combine(RepositoryRoot.Path, folder), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(p => Path.GetRelativePath(RepositoryRoot.Path, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    /// <summary>Project references and linked source files, as paths from the repository's root.</summary>
    private static List<string> References(string project)
    {
        var path = Path.Combine(RepositoryRoot.Path, project);
        var folder = Path.GetDirectoryName(path)!;
        return XDocument.Load(path).Descendants()
            .Where(e => e.Name.LocalName is "ProjectReference" or "Compile")
            .Select(e => (string?)e.Attribute("Include"))
            .OfType<string>()
            .Select(include => Path.GetRelativePath(RepositoryRoot.Path, Path.GetFullPath(Path.Combine(folder, include))).Replace('\\', '/'))
            .ToList();
    }

    private static List<string> Packages(string project) =>
        XDocument.Load(Path.Combine(RepositoryRoot.Path, project)).Descendants()
            .Where(e => e.Name.LocalName == "PackageReference")
            .Select(e => (string?)e.Attribute("Include")).OfType<string>().ToList();
}
