using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.Tests.Router;

/// <summary>
/// The router's state and its command applier, driven as the Raft log drives them on every node: each command
/// is the next entry, issued at the time given (the leader's clock), else at the log's default time.
/// </summary>
internal sealed class StateMachineLog
{
    private readonly DateTime defaultTime;
    private readonly CommandApplier applier;
    private long index;

    public StateMachineLog(DateTime defaultTime)
    {
        this.defaultTime = defaultTime;
        applier = new CommandApplier(State, TimeSpan.FromSeconds(10));
    }

    public RouterState State { get; } = new();

    public CommandResult Apply(Command command, DateTime? at = null)
    {
        command.IssuedAt = Timestamp.FromDateTime(at ?? defaultTime);
        return applier.Apply(command, ++index);
    }
}
