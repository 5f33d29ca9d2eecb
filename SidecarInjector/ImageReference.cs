using System.Text.RegularExpressions;

namespace EtlRouter.SidecarInjector;

/// <summary>
/// Whether text is a container image reference as the registry's reference grammar has it
/// (distribution/reference): an optional registry host[:port], a lowercase repository path, then an optional
/// :tag and @algorithm:digest; the name at most 255 characters, a tag at most 128. A kubelet would fail to pull
/// anything else; the injector refuses it before it reaches a pod.
/// </summary>
internal static partial class ImageReference
{
    public const int MaxNameLength = 255;

    public static bool IsValid(string text)
    {
        var match = Grammar().Match(text);
        return match.Success && match.Groups["name"].Length <= MaxNameLength;
    }

    [GeneratedRegex(
        @"^(?<name>(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?/)?" +
        @"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)" +
        @"(?::(?<tag>[\w][\w.-]{0,127}))?" +
        @"(?:@(?<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Grammar();
}
