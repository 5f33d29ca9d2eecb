namespace EtlRouter.Testing.ProcessRig;

/// <summary>Waits for a condition with a deadline, polling; never a fixed sleep.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Polls <paramref name="probe"/> until it gives a value. On timeout, <paramref name="diagnostics"/> (the
    /// processes' recent output, say) goes into the message, so a stall that happens once in many runs can be read.
    /// </summary>
    public static async Task<T> WaitFor<T>(Func<Task<T?>> probe, string what, TimeSpan? deadline = null, Func<string>? diagnostics = null)
    {
        var until = DateTime.UtcNow + (deadline ?? DefaultDeadline);
        Exception? last = null;
        while (DateTime.UtcNow < until)
        {
            try
            {
                if (await probe() is { } value)
                    return value;
            }
            catch (Exception e)
            {
                last = e;
            }

            await Task.Delay(50);
        }

        var context = diagnostics is null ? "" : $"\n{diagnostics()}";
        throw new TimeoutException($"timed out after {(deadline ?? DefaultDeadline).TotalSeconds}s waiting for {what}{context}", last);
    }

    public static Task WaitUntil(Func<Task<bool>> condition, string what, TimeSpan? deadline = null, Func<string>? diagnostics = null) =>
        WaitFor<object>(async () => await condition() ? new object() : null, what, deadline, diagnostics);

    public static Task WaitUntil(Func<bool> condition, string what, TimeSpan? deadline = null) =>
        WaitUntil(() => Task.FromResult(condition()), what, deadline);
}
