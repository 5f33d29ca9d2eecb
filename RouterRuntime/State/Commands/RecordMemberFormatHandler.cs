using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>Which log format a router node applies (<see cref="Consensus.ClusterLogFormat"/> reads them).</summary>
internal sealed class RecordMemberFormatHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.RecordMemberFormat;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        context.State.MemberFormats[command.RecordMemberFormat.RaftAddress] = command.RecordMemberFormat;
        return new CommandResult { Done = true };
    }
}
