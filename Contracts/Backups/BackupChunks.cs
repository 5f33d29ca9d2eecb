using EtlRouter.Contracts.V1;
using Google.Protobuf;

namespace EtlRouter.Contracts.Backups;

/// <summary>
/// A backup file as the stream of <see cref="BackupChunk"/>s CreateBackup and RestoreBackup carry: 1 MiB of data
/// each, the first one carrying the given first chunk's metadata or restore options (sent even for no data).
/// </summary>
public static class BackupChunks
{
    public const int ChunkBytes = 1024 * 1024;

    public static IEnumerable<BackupChunk> Of(byte[] bytes, BackupChunk first)
    {
        var chunk = first;
        var offset = 0;
        do
        {
            var length = Math.Min(ChunkBytes, bytes.Length - offset);
            chunk.Data = ByteString.CopyFrom(bytes, offset, length);
            yield return chunk;
            offset += length;
            chunk = new BackupChunk();
        }
        while (offset < bytes.Length);
    }
}
