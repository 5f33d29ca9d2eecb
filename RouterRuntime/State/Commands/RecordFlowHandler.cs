using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>Keeps the latest flow report of each registered sidecar (what status, metrics and scaling read).</summary>
internal sealed class RecordFlowHandler : ICommandHandler
{
    public Command.BodyOneofCase Kind => Command.BodyOneofCase.RecordFlow;

    public CommandResult Apply(Command command, ApplyContext context)
    {
        foreach (var report in command.RecordFlow.Reports)
        {
            if (context.State.Sidecars.ContainsKey(report.SidecarId)) context.State.Flow[report.SidecarId] = report;
        }

        return new CommandResult { Done = true };
    }
}
