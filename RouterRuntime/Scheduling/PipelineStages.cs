using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>A pipeline's stored stages (where its assignments live) kept in step with its definition's stages.</summary>
internal static class PipelineStages
{
    /// <summary>The stored stage of a defined stage, added when it is new.</summary>
    public static StoredStage Stored(StoredPipeline pipeline, StageDefinition definition)
    {
        foreach (var stage in pipeline.Stages)
        {
            if (stage.Name == definition.Name) return stage;
        }

        var added = new StoredStage { Name = definition.Name };
        pipeline.Stages.Add(added);
        return added;
    }

    public static void RemoveStale(StoredPipeline pipeline)
    {
        if (pipeline.Stages.Count == pipeline.Definition.Stages.Count) return;
        var names = pipeline.Definition.Stages.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = pipeline.Stages.Count - 1; i >= 0; i--)
        {
            if (!names.Contains(pipeline.Stages[i].Name)) pipeline.Stages.RemoveAt(i);
        }
    }

    public static void Align(StoredPipeline pipeline)
    {
        foreach (var definition in pipeline.Definition.Stages) Stored(pipeline, definition);
        RemoveStale(pipeline);
    }
}
