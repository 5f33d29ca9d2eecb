using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using EtlRouter.RouterRuntime.Integrity;

namespace EtlRouter.RouterRuntime.Consensus;

/// <summary>
/// DotNext's write-ahead log, except that starting does not wait for a replay that stopped: DotNext's start
/// applies every committed entry before it returns, so a node halted at a damaged entry would never open its
/// ports, and could neither report why nor fetch the state it recovers from.
/// </summary>
internal sealed class RouterWriteAheadLog(WriteAheadLog.Options options, IStateMachine stateMachine, ApplyHalt halt)
    : WriteAheadLog(options, stateMachine)
{
    public override async Task InitializeAsync(CancellationToken token = default)
    {
        var replay = base.InitializeAsync(token);
        await Task.WhenAny(replay, halt.WhenHaltedAsync(token)).ConfigureAwait(false);

        // Replayed to the end (or failed: the error surfaces); else the node starts halted and says so.
        if (replay.IsCompleted) await replay.ConfigureAwait(false);
    }
}
