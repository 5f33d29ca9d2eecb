using System.Globalization;

namespace EtlRouter.Cli.Output;

/// <summary>kubectl's short ages: 45s, 12m, 3h, 5d, 2y.</summary>
internal static class Age
{
    public static string Since(string? timestamp, DateTimeOffset now) =>
        DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? Format(now - at) : "<unknown>";

    public static string Format(TimeSpan age) => age switch
    {
        { TotalSeconds: < 0 } => "0s",
        { TotalMinutes: < 2 } => $"{(int)age.TotalSeconds}s",
        { TotalHours: < 2 } => $"{(int)age.TotalMinutes}m",
        { TotalDays: < 2 } => $"{(int)age.TotalHours}h",
        { TotalDays: < 730 } => $"{(int)age.TotalDays}d",
        _ => $"{(int)(age.TotalDays / 365)}y",
    };
}
