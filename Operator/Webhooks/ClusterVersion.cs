using System.Text.RegularExpressions;
using k8s;

namespace EtlRouter.Operator.Webhooks;

/// <summary>
/// The API server's version (GET /version), read once: the injector adds native sidecars from 1.29 on.
/// Unknown (the call failed) means "assume older", which is always safe.
/// </summary>
internal sealed partial class ClusterVersion(IKubernetes client)
{
    private Version? known;

    public async Task<Version?> GetAsync(CancellationToken cancellationToken)
    {
        if (known is not null) return known;
        try
        {
            var info = await client.Version.GetCodeAsync(cancellationToken);
            known = Parse(info.Major, info.Minor) ?? Parse(info.GitVersion);
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or System.Text.Json.JsonException)
        {
            // Unknown: the next pod asks again.
        }

        return known;
    }

    /// <summary>"1", "29+" (managed clusters add a plus) or "v1.29.3-gke.1".</summary>
    public static Version? Parse(string? major, string? minor) =>
        int.TryParse(major, out var ma) && Digits().Match(minor ?? string.Empty) is { Success: true } m ? new Version(ma, int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture)) : null;

    public static Version? Parse(string? gitVersion) =>
        GitVersion().Match(gitVersion ?? string.Empty) is { Success: true } m ? Parse(m.Groups[1].Value, m.Groups[2].Value) : null;

    [GeneratedRegex(@"^\d+")]
    private static partial Regex Digits();

    [GeneratedRegex(@"^v?(\d+)\.(\d+)")]
    private static partial Regex GitVersion();
}
