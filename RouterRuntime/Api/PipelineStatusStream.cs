using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.State;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Api;

/// <summary>
/// WatchPipelineStatus: every pipeline of a namespace (or all) once, then each one again whenever its view
/// changes, woken by <see cref="StateChanges"/> rather than polling. A deleted pipeline is sent once more with no
/// stages, so watchers can drop it.
/// </summary>
internal sealed class PipelineStatusStream(RouterState state, StateChanges changes)
{
    public async Task RunAsync(string @namespace, IServerStreamWriter<PipelineState> responseStream, CancellationToken token)
    {
        var sent = new Dictionary<string, PipelineState>(StringComparer.Ordinal);
        while (!token.IsCancellationRequested)
        {
            var next = changes.Next;
            List<PipelineState> current;
            lock (state.Sync)
            {
                current = StateViews.Pipelines(state, state.Pipelines.Values
                    .Where(p => @namespace.Length == 0 || p.Definition.Ref.Namespace == @namespace))
                    .ToList();
            }

            foreach (var pipeline in current)
            {
                var key = RouterState.Key(pipeline.Definition.Ref);
                if (sent.TryGetValue(key, out var previous) && previous.Equals(pipeline)) continue;
                await responseStream.WriteAsync(pipeline, token).ConfigureAwait(false);
                sent[key] = pipeline;
            }

            foreach (var gone in sent.Keys.Except(current.Select(p => RouterState.Key(p.Definition.Ref))).ToList())
            {
                await responseStream.WriteAsync(new PipelineState { Definition = new PipelineDefinition { Ref = sent[gone].Definition.Ref } }, token).ConfigureAwait(false);
                sent.Remove(gone);
            }

            try
            {
                await next.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
