using System.Buffers.Binary;
using System.Security.Cryptography;
using EtlRouter.Contracts.V1;
using Google.Protobuf;

namespace EtlRouter.Contracts.Backups;

/// <summary>
/// The backup file (format 2): the magic "ETLBACKUP", the <see cref="BackupHeader"/>'s length (4 bytes,
/// little-endian), the header, the router's snapshot, and a SHA-256 of all that precedes it. The router writes it;
/// etlctl and the router both check it before anything is restored, so an empty, cut, flipped or altered file is
/// refused by a check, never by luck of a parser.
/// </summary>
public static class BackupFile
{
    public const uint Format = 2;
    private const int DigestBytes = 32;
    private const int MaxHeaderBytes = 64 * 1024;

    private static ReadOnlySpan<byte> Magic => "ETLBACKUP"u8;

    public static byte[] Write(BackupHeader header, ReadOnlySpan<byte> content)
    {
        header.Format = Format;
        header.ContentBytes = (ulong)content.Length;
        var headerBytes = header.ToByteArray();
        var file = new byte[Magic.Length + 4 + headerBytes.Length + content.Length + DigestBytes];
        Magic.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(Magic.Length), (uint)headerBytes.Length);
        headerBytes.CopyTo(file.AsSpan(Magic.Length + 4));
        content.CopyTo(file.AsSpan(Magic.Length + 4 + headerBytes.Length));
        var signed = file.Length - DigestBytes;
        SHA256.HashData(file.AsSpan(0, signed), file.AsSpan(signed));
        return file;
    }

    /// <summary>Checks a file and splits it into header and content; never throws for what the file holds.</summary>
    public static BackupReading Read(ReadOnlyMemory<byte> file)
    {
        var bytes = file.Span;
        if (bytes.Length == 0) return BackupReading.Refused("the file is empty (0 bytes)");
        if (!bytes.StartsWith(Magic)) return new BackupReading(null, file, Sha256Hex(bytes), null);
        if (bytes.Length < Magic.Length + 4 + DigestBytes) return BackupReading.Refused($"the file is cut short ({bytes.Length} bytes, less than a header)");

        var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[Magic.Length..]);
        var headerStart = Magic.Length + 4;
        if (headerLength > MaxHeaderBytes || headerStart + (long)headerLength + DigestBytes > bytes.Length)
            return BackupReading.Refused($"the header is damaged or the file is cut short (a header of {headerLength} bytes in a file of {bytes.Length})");

        BackupHeader? header;
        try
        {
            header = BackupHeader.Parser.ParseFrom(bytes.Slice(headerStart, (int)headerLength));
        }
        catch (InvalidProtocolBufferException)
        {
            header = null;
        }

        var signed = bytes.Length - DigestBytes;
        var contentStart = headerStart + (int)headerLength;
        if (header is not null && header.Format > Format)
            return BackupReading.Refused($"backup format {header.Format} is newer than this version reads ({Format}); upgrade etlctl and the router first");
        if (header is not null && (ulong)(signed - contentStart) != header.ContentBytes)
            return BackupReading.Refused($"the file is cut short or extended: its header says {header.ContentBytes} bytes of state, the file holds {signed - contentStart}");

        var digest = SHA256.HashData(bytes[..signed]);
        if (!digest.AsSpan().SequenceEqual(bytes[signed..]))
            return BackupReading.Refused($"checksum mismatch: the file's SHA-256 is {Convert.ToHexStringLower(digest)[..16]}…, not the {Convert.ToHexStringLower(bytes[signed..])[..16]}… it was written with (damaged or altered)");
        if (header is null)
            return BackupReading.Refused("the header cannot be read although its checksum holds: not a backup this version wrote");
        if (header.Format < Format)
            return BackupReading.Refused($"backup format {header.Format} is not one this version knows");
        return new BackupReading(header, file[contentStart..signed], Sha256Hex(bytes), null);
    }

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
