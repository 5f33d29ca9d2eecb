using System.Text.RegularExpressions;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Architecture;

/// <summary>
/// The sidecar's record path goes one way, as YARP's forwarder does: receive -> stage -> deliver -> send. Each
/// folder on the path uses only the folders after it and the abstractions beneath the path; the abstractions never
/// use the path. The compiler cannot keep this (one assembly), so this test reads the source: every type name a
/// file mentions, matched to the folder that declares it.
/// </summary>
public sealed partial class SidecarRecordPathDirectionTests
{
    /// <summary>Beneath the path: what every step may use. They use each other only without a cycle.</summary>
    private static readonly string[] Abstractions = ["Model", "Connections", "Wire", "Tracing", "Metrics", "Discovery", "Security", "Configuration"];

    /// <summary>Each step of the path and the steps it may hand records to. Coordination drives the stages from the router.</summary>
    private static readonly Dictionary<string, string[]> PathSteps = new()
    {
        ["Coordination"] = ["Stages"],
        ["Receive"] = ["Stages", "Delivery", "Send"],
        ["Stages"] = ["Delivery", "Send"],
        ["Delivery"] = ["Send"],
        ["Send"] = [],
    };

    private static string SidecarFolder => Path.Combine(RepositoryRoot.Path, "Sidecar");

    [Fact]
    public void Every_folder_of_the_sidecar_is_a_step_of_the_path_or_an_abstraction()
    {
        var folders = Directory.GetDirectories(SidecarFolder).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).Order();
        var unplaced = folders.Where(f => !PathSteps.ContainsKey(f!) && !Abstractions.Contains(f)).ToList();
        Assert.True(unplaced.Count == 0, $"Sidecar/{string.Join(", Sidecar/", unplaced)}: add the folder to this test's path steps or abstractions");
        var loose = Directory.GetFiles(SidecarFolder, "*.cs").Select(Path.GetFileName).Where(f => f != "Program.cs").ToList();
        Assert.True(loose.Count == 0, $"only Program.cs (the composition root) lives at Sidecar/'s top; move {string.Join(", ", loose)} into a folder");
    }

    [Fact]
    public void Each_step_uses_only_the_steps_after_it_and_the_abstractions()
    {
        var uses = FolderUses();
        var wrong = new List<string>();
        foreach (var (folder, used) in uses)
        {
            var allowed = PathSteps.TryGetValue(folder, out var next) ? [.. next, .. Abstractions] : Abstractions;
            wrong.AddRange(used.Where(u => !allowed.Contains(u.Folder)).Select(u => $"Sidecar/{folder}/{u.File} uses {u.Type} (Sidecar/{u.Folder})"));
        }

        Assert.True(wrong.Count == 0, "the record path goes receive -> stage -> deliver -> send, over the abstractions:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void The_abstractions_use_each_other_without_a_cycle()
    {
        var edges = FolderUses().Where(p => Abstractions.Contains(p.Key))
            .ToDictionary(p => p.Key, p => p.Value.Select(u => u.Folder).Where(Abstractions.Contains).ToHashSet());
        var visiting = new List<string>();
        var done = new HashSet<string>();
        foreach (var folder in Abstractions) Visit(folder);

        void Visit(string folder)
        {
            if (done.Contains(folder)) return;
            var at = visiting.IndexOf(folder);
            Assert.True(at < 0, $"a cycle among the sidecar's abstractions: {string.Join(" -> ", visiting.Skip(at).Append(folder))}");
            visiting.Add(folder);
            foreach (var next in edges.GetValueOrDefault(folder) ?? []) Visit(next);
            visiting.RemoveAt(visiting.Count - 1);
            done.Add(folder);
        }
    }

    [Fact]
    public void The_reader_finds_a_known_use_so_the_rules_above_can_fail()
    {
        // Guards the source reading itself: were it to find nothing, every rule above would pass.
        var uses = FolderUses();
        Assert.Contains(uses["Stages"], u => u.Folder == "Send" && u.Type == "OutboundEdge");
        Assert.Contains(uses["Receive"], u => u.Folder == "Stages" && u.Type == "StageSupervisor");
    }

    /// <summary>For each folder, the types of other folders its files mention (Program.cs, the composition root, is left out).</summary>
    private static Dictionary<string, List<(string File, string Type, string Folder)>> FolderUses()
    {
        var files = Directory.GetDirectories(SidecarFolder)
            .Where(d => Path.GetFileName(d) is not ("bin" or "obj"))
            .SelectMany(d => Directory.GetFiles(d, "*.cs", SearchOption.AllDirectories))
            .Select(f => (Folder: Path.GetRelativePath(SidecarFolder, f).Split(Path.DirectorySeparatorChar)[0], File: Path.GetFileName(f), Code: CodeOnly(File.ReadAllText(f))))
            .ToList();
        var declaredIn = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (Match m in Declaration().Matches(file.Code)) declaredIn.TryAdd(m.Groups["name"].Value, file.Folder);
        }

        Assert.True(declaredIn.Count > 40, $"the reader found only {declaredIn.Count} type declarations under Sidecar/");
        var uses = new Dictionary<string, List<(string, string, string)>>();
        foreach (var file in files)
        {
            var list = uses.TryGetValue(file.Folder, out var l) ? l : uses[file.Folder] = [];
            foreach (var name in TypeName().Matches(file.Code).Select(m => m.Value).Distinct())
            {
                if (declaredIn.TryGetValue(name, out var folder) && folder != file.Folder) list.Add((file.File, name, folder));
            }
        }

        return uses;
    }

    /// <summary>The code without comments and string literals, whose words are not uses.</summary>
    private static string CodeOnly(string source) => Comment().Replace(StringLiteral().Replace(source, "\"\""), " ");

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum|delegate\s+[\w<>\[\],?\s]+?)\s+(?<name>[A-Z]\w*)")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex TypeName();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"\$?@?""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();
}
