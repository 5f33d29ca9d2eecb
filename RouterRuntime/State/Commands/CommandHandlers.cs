using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State.Commands;

/// <summary>The handler of each kind of command; a kind without one is answered as done (a newer router's, never written here).</summary>
internal static class CommandHandlers
{
    private static readonly Dictionary<Command.BodyOneofCase, ICommandHandler> ByKind = new ICommandHandler[]
    {
        new ApplyPipelineHandler(),
        new DeletePipelineHandler(),
        new DrainPipelineHandler(),
        new RegisterSidecarHandler(),
        new RenewLeaseHandler(),
        new DeregisterSidecarHandler(),
        new ExpireLeasesHandler(),
        new RecordFlowHandler(),
        new AppendDeadLettersHandler(),
        new ReplayDeadLettersHandler(),
        new ResolveDeadLettersHandler(),
        new PurgeDeadLettersHandler(),
        new RestoreHandler(),
        new RecordMemberFormatHandler(),
        new CheckpointHandler(),
    }.ToDictionary(handler => handler.Kind);

    public static ICommandHandler? For(Command.BodyOneofCase kind) => ByKind.GetValueOrDefault(kind);
}
