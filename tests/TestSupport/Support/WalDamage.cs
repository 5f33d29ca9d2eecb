using System.Text;

namespace EtlRouter.Tests.Support;

/// <summary>
/// Damages a stopped router's write-ahead log on disk, as a bad disk page would: finds every copy of a marker
/// the test wrote into one entry (a pipeline's name) in DATA_DIR/wal and flips a bit inside it.
/// </summary>
public static class WalDamage
{
    /// <returns>How many copies of the marker were damaged.</returns>
    public static int FlipBitInside(string dataDir, string marker)
    {
        var needle = Encoding.UTF8.GetBytes(marker);
        var damaged = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(dataDir, "wal"), "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            var changed = false;
            for (var at = bytes.AsSpan().IndexOf(needle); at >= 0;)
            {
                bytes[at + (needle.Length / 2)] ^= 0x01;
                changed = true;
                damaged++;
                var next = bytes.AsSpan(at + needle.Length).IndexOf(needle);
                at = next < 0 ? -1 : at + needle.Length + next;
            }

            if (changed) File.WriteAllBytes(file, bytes);
        }

        return damaged;
    }
}
