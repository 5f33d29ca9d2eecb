namespace EtlRouter.Tests.Support;

/// <summary>
/// One of the broken manifests under tests/EtlRouter.Tests/TestData/broken, with what its header says a refusal
/// must name: `# expect-path:` (the field) and `# expect:` (a fragment of the message).
/// </summary>
public sealed record BrokenManifest(string Path, string Text, string ExpectPath, string Expect)
{
    public static string Directory => System.IO.Path.Combine(RepositoryRoot.Path, "tests", "EtlRouter.Tests", "TestData", "broken");

    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>Whether an API server can be sent it as an EtlPipeline (valid YAML of that kind and apiVersion).</summary>
    public bool IsPipeline =>
        Text.Contains("\nkind: EtlPipeline", StringComparison.Ordinal) && Text.Contains("\napiVersion: etl.router/v1\n", StringComparison.Ordinal) && ExpectPath != "(document)";

    public static IEnumerable<BrokenManifest> All() =>
        System.IO.Directory.GetFiles(Directory, "*.yaml").Order(StringComparer.Ordinal).Select(Read);

    private static BrokenManifest Read(string path)
    {
        var text = File.ReadAllText(path);
        return new BrokenManifest(path, text, Header(text, "expect-path"), Header(text, "expect"));
    }

    /// <summary>The value of a `# NAME: value` header line.</summary>
    public static string Header(string text, string name) =>
        text.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith($"# {name}:", StringComparison.Ordinal))[(name.Length + 3)..].Trim();
}
