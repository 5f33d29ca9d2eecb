namespace EtlRouter.Bench;

/// <summary>
/// The outside programs a benchmark row needs (etcd, etcdctl, nats-server), looked up on PATH before the row runs,
/// so a missing one skips that row with the reason instead of aborting the run halfway. bench/run installs them
/// with apt where it can; the package names here are what it installs.
/// </summary>
public static class BenchTools
{
    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["etcd"] = "etcd-server",
        ["etcdctl"] = "etcd-client",
        ["nats-server"] = "nats-server",
    };

    /// <summary>Why the row cannot run ("etcdctl is not installed (apt-get install etcd-client)"), or null when every tool is there.</summary>
    public static string? Missing(params string[] tools)
    {
        var missing = tools.Where(t => !OnPath(t)).ToList();
        return missing.Count == 0
            ? null
            : $"{string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} not installed (apt-get install {string.Join(' ', missing.Select(t => Packages.GetValueOrDefault(t, t)).Distinct())})";
    }

    public static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => File.Exists(Path.Combine(dir, tool)));
}
