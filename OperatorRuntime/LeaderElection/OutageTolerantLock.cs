using System.Net;
using k8s.Autorest;
using k8s.LeaderElection;

namespace EtlRouter.OperatorRuntime.LeaderElection;

/// <summary>
/// The Lease lock as client-go's elector uses it: a renewal that cannot reach the API server is a failed attempt,
/// retried every RetryPeriod until RenewDeadline, not the end of leadership. KubernetesClient's elector ends the
/// term on the first exception that is not an HTTP answer (connection refused while the API server restarts), so
/// every control-plane blip stopped the controllers and re-listed everything. Here such failures are reported to
/// the elector as what they are: no answer (a 503 for reads, "not updated" for writes).
/// </summary>
internal sealed class OutageTolerantLock(ILock inner) : ILock
{
    public string Identity => inner.Identity;

    public async Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsNoAnswer(e, cancellationToken))
        {
            throw new HttpOperationException($"the API server did not answer: {e.Message}", e)
            {
                Response = new HttpResponseMessageWrapper(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable), string.Empty),
            };
        }
    }

    public async Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.CreateAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsNoAnswer(e, cancellationToken))
        {
            return false;
        }
    }

    public async Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.UpdateAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsNoAnswer(e, cancellationToken))
        {
            return false;
        }
    }

    public string Describe() => inner.Describe();

    // Transport failures and timeouts; our own cancellation (shutdown) still ends the elector.
    private static bool IsNoAnswer(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException or TimeoutException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        || (e is HttpOperationException { Response.StatusCode: >= HttpStatusCode.InternalServerError });
}
