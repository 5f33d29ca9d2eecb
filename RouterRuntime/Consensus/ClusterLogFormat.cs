using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;

namespace EtlRouter.RouterRuntime.Consensus;

/// <summary>
/// The log format the cluster writes: the oldest format any voting member applies, as each member recorded it
/// in the log (a member that has not recorded one yet counts as <see cref="RouterLogFormat.Oldest"/>). A leader
/// writes entries in this format and refuses commands that need a newer one, so no member meets an entry it
/// cannot apply during a rolling upgrade.
/// </summary>
internal static class ClusterLogFormat
{
    public static uint Effective(IEnumerable<string> memberAddresses, IReadOnlyDictionary<string, MemberFormat> recorded) =>
        memberAddresses.Select(address => Applies(address, recorded)).DefaultIfEmpty(RouterLogFormat.Oldest).Min();

    /// <summary>Names the members that do not apply <paramref name="needed"/> yet, for the refusal's message.</summary>
    public static string Lagging(IEnumerable<string> memberAddresses, IReadOnlyDictionary<string, MemberFormat> recorded, uint needed) =>
        string.Join(", ", memberAddresses
            .Where(address => Applies(address, recorded) < needed)
            .Select(address => recorded.TryGetValue(address, out var member)
                ? $"node {member.NodeId} ({address}) applies up to format {member.MaxFormat}"
                : $"{address} has not recorded its format yet"));

    private static uint Applies(string address, IReadOnlyDictionary<string, MemberFormat> recorded) =>
        recorded.TryGetValue(address, out var member) ? Math.Max(member.MaxFormat, RouterLogFormat.Oldest) : RouterLogFormat.Oldest;
}

/// <summary>A command that needs a newer log format than every voting member applies.</summary>
internal sealed class LogFormatNotActiveException(string message) : Exception(message);
