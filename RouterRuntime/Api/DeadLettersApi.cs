using System.Globalization;
using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using EtlRouter.RouterRuntime.State;
using EtlRouter.RouterRuntime.Security;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Api;

/// <summary>The dead letter queue: append (from sidecars), list, replay, resolve, purge.</summary>
internal sealed class DeadLettersApi(RouterState state, WriteGateway gateway, ReadFreshness freshness) : DeadLetters.DeadLettersBase
{
    private const uint DefaultLimit = 100;
    private const uint MaxLimit = 1000;

    public override async Task<AppendDeadLettersResponse> Append(AppendDeadLettersRequest request, ServerCallContext context)
    {
        RequestValidation.DeadLetters(request);
        for (var i = 0; i < request.DeadLetters.Count; i++)
            context.RequireNamespace(request.DeadLetters[i].Pipeline.Namespace, $"dead_letters[{i}].pipeline.namespace");
        var result = await gateway.ProposeAsync(new Command { AppendDeadLetters = request }, context, context.CancellationToken);
        return result.AppendDeadLetters;
    }

    public override async Task<ListDeadLettersResponse> List(ListDeadLettersRequest request, ServerCallContext context)
    {
        RequestValidation.Filter(request.Filter, "filter", requireSomething: false);
        // A sidecar sees the dead letters of its own namespace's pipelines only.
        context.RequireNamespace(request.Filter?.Pipeline?.Namespace ?? string.Empty, "filter.pipeline.namespace");
        if (request.Limit > MaxLimit) throw RequestValidation.Invalid("limit", $"{request.Limit} is more than {MaxLimit}; page with page_token");
        var skip = 0;
        if (request.PageToken.Length > 0 && !int.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out skip))
            throw RequestValidation.Invalid("page_token", "not a token this router issued; send next_page_token from the previous page");

        await freshness.BeforeReadAsync(context);
        var limit = (int)(request.Limit == 0 ? DefaultLimit : request.Limit);
        lock (state.Sync)
        {
            var matching = state.DeadLetters.Matching(request.Filter).ToList();
            var response = new ListDeadLettersResponse { Total = (uint)matching.Count };
            response.DeadLetters.AddRange(matching.Skip(skip).Take(limit).Select(d => d.Clone()));
            if (skip + limit < matching.Count) response.NextPageToken = (skip + limit).ToString(CultureInfo.InvariantCulture);
            return response;
        }
    }

    public override async Task<ReplayDeadLettersResponse> Replay(ReplayDeadLettersRequest request, ServerCallContext context)
    {
        RequestValidation.Filter(request.Filter, "filter", requireSomething: true);
        var result = await gateway.ProposeAsync(new Command { ReplayDeadLetters = request.Filter }, context, context.CancellationToken);
        return result.ReplayDeadLetters;
    }

    public override async Task<ResolveDeadLettersResponse> Resolve(ResolveDeadLettersRequest request, ServerCallContext context)
    {
        if (request.Ids.Count == 0) throw RequestValidation.Invalid("ids", "empty; send the ids that went through");
        if (request.Ids.Count > 10_000) throw RequestValidation.Invalid("ids", "more than 10000 in one call");
        var result = await gateway.ProposeAsync(new Command { ResolveDeadLetters = request }, context, context.CancellationToken);
        return result.ResolveDeadLetters;
    }

    public override async Task<PurgeDeadLettersResponse> Purge(PurgeDeadLettersRequest request, ServerCallContext context)
    {
        RequestValidation.Filter(request.Filter, "filter", requireSomething: true);
        var result = await gateway.ProposeAsync(new Command { PurgeDeadLetters = request.Filter }, context, context.CancellationToken);
        return result.PurgeDeadLetters;
    }
}
