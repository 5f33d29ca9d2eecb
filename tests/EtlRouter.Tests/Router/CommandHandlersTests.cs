using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State.Commands;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>Every command the log can carry has its handler (a command without one would be answered "done" and change nothing).</summary>
public sealed class CommandHandlersTests
{
    [Fact]
    public void Every_kind_of_command_but_the_batch_that_carries_them_has_a_handler()
    {
        var kinds = Enum.GetValues<Command.BodyOneofCase>().Where(k => k is not (Command.BodyOneofCase.None or Command.BodyOneofCase.Batch));
        Assert.All(kinds, kind => Assert.True(CommandHandlers.For(kind)?.Kind == kind, $"{kind} has no handler in RouterRuntime/State/Commands"));
    }
}
