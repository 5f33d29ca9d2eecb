using System.IO.Hashing;
using System.Text;

namespace EtlRouter.Sidecar.Send;

/// <summary>
/// Picks a replica for a record key. Stable across processes and restarts (string.GetHashCode is not), so
/// every upstream sidecar sends one key to the same replica.
/// </summary>
internal static class KeyHash
{
    public static int Replica(string key, int replicas) =>
        (int)(XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(key)) % (ulong)replicas);
}
