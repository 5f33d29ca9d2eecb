namespace EtlRouter.Entities.Manifests;

/// <summary>
/// A manifest the reader will not read at all, because it breaks one of <see cref="ManifestLimits"/>: the message
/// is one line naming the file, the document, the line and the limit.
/// </summary>
public sealed class ManifestRefusedException(string message) : Exception(message)
{
    public static ManifestRefusedException At(string origin, int document, long line, string problem) =>
        new($"{origin}, document {document} (line {line}): {problem}");
}
