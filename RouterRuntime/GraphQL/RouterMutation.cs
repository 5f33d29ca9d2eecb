using System.ComponentModel;
using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Api;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using EtlRouter.RouterRuntime.State;
using GraphQL;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>
/// What the API changes. Every write goes through <see cref="WriteGateway"/>, so any node takes it and the leader
/// commits it; while no leader is elected a write fails with an error saying so, and reads go on.
/// </summary>
[Name("Mutation")]
internal sealed class RouterMutation(RouterState state, WriteGateway gateway)
{
    [Description("Creates a pipeline from services named directly (for a router run without Kubernetes; on a cluster, apply an EtlPipeline). Checked by the same rules as the operator and its webhook.")]
    public async Task<CreatePipelineResult> CreatePipeline(PipelineInput input, IResolveFieldContext context)
    {
        var (definition, errors) = PipelineInputCompiler.Compile(input);
        if (definition is null) return new CreatePipelineResult(false, null, errors);
        var id = ViewMapping.Id(definition.Ref);
        lock (state.Sync)
        {
            if (state.Pipelines.ContainsKey(id))
                return new CreatePipelineResult(false, null, [new FieldError("input.name", $"pipeline {id} already exists; delete it first or pick another name")]);
        }

        try
        {
            RequestValidation.Pipeline(definition);
        }
        catch (RpcException e)
        {
            return new CreatePipelineResult(false, null, [new FieldError("input", e.Status.Detail)]);
        }

        var result = await WriteAsync(new Command { ApplyPipeline = definition }, context);
        return result.ApplyPipeline.Outcome == ApplyOutcome.Created
            ? new CreatePipelineResult(true, id, [])
            : new CreatePipelineResult(false, null, [new FieldError("input.name", $"pipeline {id} already exists; delete it first or pick another name")]);
    }

    [Description("Removes a pipeline (namespace/name): its stages stop.")]
    public async Task<DeletePipelineResult> DeletePipeline(string id, IResolveFieldContext context)
    {
        var reference = Reference(id, "id");
        var result = await WriteAsync(new Command { DeletePipeline = reference }, context);
        return new DeletePipelineResult(result.DeletePipeline.Existed);
    }

    [Description("Sends matching dead letters back through the stage that failed; each disappears once it goes through.")]
    public async Task<DeadLetterChange> ReplayDeadLetters(DeadLetterFilterInput filter, IResolveFieldContext context)
    {
        var match = Narrowing(filter);
        var result = await WriteAsync(new Command { ReplayDeadLetters = match }, context);
        return new DeadLetterChange((int)result.ReplayDeadLetters.Requested);
    }

    [Description("Removes matching dead letters for good.")]
    public async Task<DeadLetterChange> PurgeDeadLetters(DeadLetterFilterInput filter, IResolveFieldContext context)
    {
        var match = Narrowing(filter);
        var result = await WriteAsync(new Command { PurgeDeadLetters = match }, context);
        return new DeadLetterChange((int)result.PurgeDeadLetters.Purged);
    }

    private static DeadLetterFilter Narrowing(DeadLetterFilterInput filter)
    {
        var match = DeadLetterFilters.From(filter, "filter");
        if (DeadLetterFilters.IsEmpty(match)) throw new ExecutionError("filter: matches every dead letter; name a pipeline, stage, error, state or ids");
        return match;
    }

    private static PipelineRef Reference(string id, string field)
    {
        var parts = id.Split('/');
        if (parts.Length != 2 || parts.Any(p => p.Length == 0)) throw new ExecutionError($"{field}: '{id}' is not namespace/name");
        return new PipelineRef { Namespace = parts[0], Name = parts[1] };
    }

    /// <summary>A write through the leader; "no leader" and the like become an error the caller can read.</summary>
    private async Task<CommandResult> WriteAsync(Command command, IResolveFieldContext context)
    {
        try
        {
            return await gateway.ProposeAsync(command, null, context.CancellationToken);
        }
        catch (RpcException e)
        {
            throw new ExecutionError($"the router cluster did not take the write: {e.Status.Detail}") { Code = e.StatusCode.ToString().ToUpperInvariant() };
        }
    }
}
