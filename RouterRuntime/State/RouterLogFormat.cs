namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// The version of what the router writes to its log and snapshots. Raise it when a change needs a reader
/// to behave differently; protobuf's rules (add fields, never reuse numbers) keep older entries readable.
/// </summary>
internal static class RouterLogFormat
{
    public const uint Current = 1;

    /// <summary>Entries from a newer router than this one are refused rather than misread.</summary>
    public static bool CanRead(uint format) => format <= Current;
}
