using System.Text.RegularExpressions;

namespace EtlRouter.Connectors.Transforms;

/// <summary>
/// Masks e-mail addresses, phone numbers and card numbers in text. Cards must pass the Luhn check, so an order
/// number of the same length is left alone; e-mails keep their domain, phones and cards their last digits.
/// </summary>
internal static partial class PiiMasker
{
    public static string Mask(string text)
    {
        text = Email().Replace(text, m => $"***@{m.Groups["domain"].Value}");
        text = Card().Replace(text, m =>
        {
            var digits = new string([.. m.Value.Where(char.IsDigit)]);
            return Luhn(digits) ? $"**** **** **** {digits[^4..]}" : m.Value;
        });
        return Phone().Replace(text, m =>
        {
            var digits = new string([.. m.Value.Where(char.IsDigit)]);
            return digits.Length is >= 7 and <= 15 ? $"***-***-{digits[^4..]}" : m.Value;
        });
    }

    /// <summary>Masks a whole value, keeping only its length's shape.</summary>
    public static string Redact(string text) => text.Length <= 4 ? "****" : new string('*', text.Length - 4) + text[^4..];

    private static bool Luhn(string digits)
    {
        if (digits.Length is < 13 or > 19) return false;
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1 && (d *= 2) > 9) d -= 9;
            sum += d;
        }

        return sum % 10 == 0;
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@(?<domain>[A-Za-z0-9.-]+\.[A-Za-z]{2,})")]
    private static partial Regex Email();

    [GeneratedRegex(@"\b(?:\d[ -]?){12,18}\d\b")]
    private static partial Regex Card();

    [GeneratedRegex(@"\+?\d[\d\s().-]{6,}\d")]
    private static partial Regex Phone();
}
