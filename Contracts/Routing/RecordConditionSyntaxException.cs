namespace EtlRouter.Contracts.Routing;

/// <summary>
/// A condition that does not parse: where (1-based character position) and what is wrong, with how to write it.
/// The message reads "at character 8 of "amount >= ten": 'ten' is not a value; quote text ('active'), ...".
/// </summary>
public sealed class RecordConditionSyntaxException(string text, int position, string reason)
    : FormatException($"at character {position} of \"{text}\": {reason}")
{
    public string Text { get; } = text;

    public int Position { get; } = position;

    public string Reason { get; } = reason;
}
