using System.Text;

namespace EtlRouter.Entities.Manifests;

/// <summary>
/// Reads a manifest's text from a file or a stream within <see cref="ManifestLimits.MaxFileBytes"/>, and refuses
/// what is not UTF-8 text, before any YAML parser sees it.
/// </summary>
public static class ManifestSource
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string ReadFile(string path, ManifestLimits? limits = null)
    {
        limits ??= ManifestLimits.Default;
        var length = new FileInfo(path).Length;
        if (length > limits.MaxFileBytes) throw TooLarge(path, length, limits);
        return Decode(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads standard input (or any reader) up to the limit; a longer stream is refused without reading it all.</summary>
    public static string ReadText(TextReader reader, string origin, ManifestLimits? limits = null)
    {
        limits ??= ManifestLimits.Default;
        var text = new StringBuilder();
        var buffer = new char[64 * 1024];
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            text.Append(buffer, 0, read);
            if (text.Length > limits.MaxFileBytes) throw TooLarge(origin, text.Length, limits, atLeast: true);
        }

        var result = text.ToString();
        return result.Contains('\0', StringComparison.Ordinal) ? throw NotText(origin) : result;
    }

    private static string Decode(byte[] bytes, string origin)
    {
        try
        {
            var text = StrictUtf8.GetString(bytes);
            return text.Contains('\0', StringComparison.Ordinal) ? throw NotText(origin) : text.TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            throw NotText(origin);
        }
    }

    private static ManifestRefusedException TooLarge(string origin, long bytes, ManifestLimits limits, bool atLeast = false) =>
        new($"{origin}: {(atLeast ? "more than " : string.Empty)}{bytes} bytes is over the manifest reader's limit of {limits.MaxFileBytes} bytes a file; split it into several files");

    private static ManifestRefusedException NotText(string origin) =>
        new($"{origin}: is not UTF-8 text (it holds binary data); a manifest is YAML or JSON text");
}
