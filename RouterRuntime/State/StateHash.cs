using System.IO.Hashing;
using Google.Protobuf;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// A hash of the replicated state: what every node must agree on at the same log index. It covers the snapshot's
/// content (pipelines with assignments, sidecars, dead letters, member formats, epoch; not flow figures, which
/// stay off the log), in the state's own
/// sorted order, and leaves out what legitimately differs between nodes (when the snapshot was taken, at which
/// index: the index is reported beside the hash). XxHash128, as hex: fast, and collisions are not a concern
/// for detecting accidents.
/// </summary>
internal static class StateHash
{
    /// <summary>Hashes the state as it is; call while holding <see cref="RouterState.Sync"/>.</summary>
    public static string Of(RouterState state)
    {
        var snapshot = state.ToSnapshot(takenAt: null);
        snapshot.AppliedIndex = 0;
        snapshot.Format = 0;

        // Flow figures are shared off the log (FlowShare): each node's are its latest, not the log's.
        snapshot.Flow.Clear();
        var hash = new XxHash128();
        hash.Append(snapshot.ToByteArray());
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    /// <summary>The first 48 bits as a number, for a Prometheus gauge (a double holds them exactly).</summary>
    public static long Prefix(string hash) =>
        hash.Length >= 12 ? long.Parse(hash.AsSpan(0, 12), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) : 0;
}
