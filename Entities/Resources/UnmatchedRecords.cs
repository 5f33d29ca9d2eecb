using System.Text.Json.Serialization;

namespace EtlRouter.Entities.Resources;

/// <summary>What a pipeline does with a record that no output of a stage accepts (every output's condition failed).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UnmatchedRecords>))]
public enum UnmatchedRecords
{
    /// <summary>Kept in the dead letter queue with an error naming the stage and the conditions; replayable.</summary>
    DeadLetter,

    /// <summary>Acknowledged and discarded, as a filter drops what it does not keep.</summary>
    Drop,
}
