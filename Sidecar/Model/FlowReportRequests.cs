namespace EtlRouter.Sidecar.Model;

/// <summary>
/// Asks for a flow report now rather than at the next interval: a drain that finished should not wait up to
/// FLOW_REPORT_SECONDS to reach the router (and the operator's finalizer).
/// </summary>
internal sealed class FlowReportRequests
{
    private readonly SemaphoreSlim asked = new(0, 1);

    public void Request()
    {
        try
        {
            asked.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already asked; one report carries everything.
        }
    }

    /// <summary>Waits for a request or the interval, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan interval, CancellationToken cancellationToken) => asked.WaitAsync(interval, cancellationToken);
}
