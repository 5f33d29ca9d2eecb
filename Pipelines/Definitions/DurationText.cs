using System.Globalization;
using System.Text.RegularExpressions;

namespace EtlRouter.Pipelines.Definitions;

/// <summary>Durations written the way Kubernetes users write them: 90s, 30m, 24h, 7d, 1h30m.</summary>
public static partial class DurationText
{
    public const string Pattern = "^([0-9]+(ms|s|m|h|d))+$";

    [GeneratedRegex("([0-9]+)(ms|s|m|h|d)")]
    private static partial Regex Part();

    [GeneratedRegex(Pattern)]
    private static partial Regex Whole();

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text) || !Whole().IsMatch(text))
            return false;

        foreach (Match part in Part().Matches(text))
        {
            var amount = long.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            duration += part.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }

        return true;
    }
}
