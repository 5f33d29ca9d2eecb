using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Connections;
using EtlRouter.Sidecar.Model;
using Google.Protobuf;
using Grpc.Core;

namespace EtlRouter.Sidecar.Delivery;

/// <summary>
/// Replays dead letters into the stage that failed them: asks the router for the stage's dead letters in
/// state REPLAY_REQUESTED, runs them through the stage like any input batch, and resolves those that went
/// through. One that fails again is dead-lettered again (back to FAILED on the router).
/// </summary>
/// <param name="accept">Hands a batch of replayed records to the stage; false when it cannot take them now.</param>
internal sealed class ReplayPoller(StageContext stage, RouterClients router, Func<IReadOnlyList<ByteString>, BatchTracker, bool> accept)
{
    private readonly HashSet<string> inFlight = [];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(stage.Options.ReplayPollInterval, cancellationToken);
            try
            {
                await PollAsync(cancellationToken);
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                stage.Logger.LogDebug("Stage {Stage}: replay poll failed ({Status})", stage.Key, e.StatusCode);
            }
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var filter = new DeadLetterFilter { Pipeline = stage.Assignment.Pipeline, Stage = stage.Key.Stage, State = DeadLetterState.ReplayRequested };
        var page = await router.DeadLetters.ListAsync(
            new ListDeadLettersRequest { Filter = filter, Limit = Math.Max(1, stage.Assignment.InputBudget?.BatchSize ?? 100) },
            deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken);
        List<DeadLetter> fresh;
        lock (inFlight) fresh = [.. page.DeadLetters.Where(d => inFlight.Add(d.Id))];
        if (fresh.Count == 0) return;

        stage.Logger.LogInformation("Stage {Stage}: replaying {Count} dead letter(s)", stage.Key, fresh.Count);
        var records = fresh.Select(d => d.Record.ToByteString()).ToList();
        var tracker = new BatchTracker(done => _ = ResolveAsync(fresh, done, cancellationToken));
        if (!accept(records, tracker))
        {
            lock (inFlight) inFlight.ExceptWith(fresh.Select(d => d.Id));
        }
    }

    private async Task ResolveAsync(List<DeadLetter> replayed, BatchTracker done, CancellationToken cancellationToken)
    {
        var failedAgain = done.DeadLettered.ToHashSet(StringComparer.Ordinal);
        var request = new ResolveDeadLettersRequest();
        request.Ids.AddRange(replayed.Where(d => !failedAgain.Contains(d.Record.Id)).Select(d => d.Id));
        try
        {
            if (request.Ids.Count > 0) await router.DeadLetters.ResolveAsync(request, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken);
            stage.Logger.LogInformation("Stage {Stage}: {Resolved} replayed dead letter(s) went through, {Failed} failed again", stage.Key, request.Ids.Count, failedAgain.Count);
        }
        catch (RpcException e)
        {
            // They stay REPLAY_REQUESTED and are replayed again: a duplicate, never a loss.
            stage.Logger.LogWarning("Stage {Stage}: could not resolve replayed dead letters ({Status})", stage.Key, e.StatusCode);
        }
        finally
        {
            lock (inFlight) inFlight.ExceptWith(replayed.Select(d => d.Id));
        }
    }
}
