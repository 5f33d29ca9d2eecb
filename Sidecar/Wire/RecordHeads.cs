using Google.Protobuf;

namespace EtlRouter.Sidecar.Wire;

/// <summary>
/// Reads the head of an encoded record (id, key, origin) without decoding or copying its value. Every record
/// that enters a sidecar (from its source, from its transform, from an upstream sidecar) has its head read
/// once at the door, so bytes that are not an etl.v1.Record are refused there, naming the stage that sent them,
/// and everything downstream of the door may read heads without failing.
/// </summary>
public static class RecordHeads
{
    private static readonly MessageParser<RecordHead> Parser = RecordHead.Parser.WithDiscardUnknownFields(true);

    public static RecordHead Of(ByteString record) => Parser.ParseFrom(record);

    public static string IdOf(ByteString record) => Of(record).Id;

    public static string KeyOf(ByteString record) => Of(record).Key;

    /// <summary>The first record whose head cannot be read, and why; null when every one can.</summary>
    public static (int Index, string Error)? FirstUnreadable(IReadOnlyList<ByteString> records)
    {
        for (var i = 0; i < records.Count; i++)
        {
            try
            {
                Parser.ParseFrom(records[i]);
            }
            catch (InvalidProtocolBufferException e)
            {
                return (i, e.Message);
            }
        }

        return null;
    }
}
