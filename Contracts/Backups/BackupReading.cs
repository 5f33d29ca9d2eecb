using EtlRouter.Contracts.V1;

namespace EtlRouter.Contracts.Backups;

/// <summary>
/// What <see cref="BackupFile.Read"/> found: a checked header and the content, or an unframed content of the older
/// format (<see cref="IsUnverified"/>: no header, nothing to check it against), or why the file is refused.
/// <see cref="Sha256"/> is the whole file's, as sha256sum shows it.
/// </summary>
public sealed record BackupReading(BackupHeader? Header, ReadOnlyMemory<byte> Content, string Sha256, string? Problem)
{
    public bool IsUnverified => Problem is null && Header is null;

    public static BackupReading Refused(string problem) => new(null, ReadOnlyMemory<byte>.Empty, string.Empty, problem);
}
