using System.Text;

namespace EtlRouter.Tests.Support;

/// <summary>
/// Damages a stopped router's files on disk, as a bad disk page would: finds every copy of a marker the test
/// wrote (a pipeline's name) in DATA_DIR/wal (the log) or DATA_DIR/snapshots and flips a bit inside it.
/// </summary>
public static class DiskDamage
{
    /// <param name="dataDir">The router's DATA_DIR.</param>
    /// <param name="marker">Text the test wrote into the entry or state to damage.</param>
    /// <param name="folder">"wal" or "snapshots".</param>
    /// <returns>How many copies of the marker were damaged.</returns>
    public static int FlipBitInside(string dataDir, string marker, string folder = "wal")
    {
        var needle = Encoding.UTF8.GetBytes(marker);
        var damaged = 0;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(dataDir, folder), "*", SearchOption.AllDirectories))
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
