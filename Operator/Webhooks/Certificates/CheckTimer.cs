namespace EtlRouter.Operator.Webhooks.Certificates;

/// <summary>The certificate checks' loop timer: the next tick, or false once the host is stopping.</summary>
internal static class CheckTimer
{
    public static async Task<bool> NextAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
