using Google.Protobuf;

namespace EtlRouter.Sidecar.Wire;

/// <summary>
/// Reads the head of an encoded record (id, key, origin) without decoding or copying its value, and checks that
/// bytes are a record at all. A record's head is read where it enters the pipeline (from a source, from a
/// transform), so bytes that are not an etl.v1.Record are refused there, naming the service that sent them;
/// between sidecars only the framing is checked, which allocates nothing per field.
/// </summary>
internal static class RecordHeads
{
    private static readonly MessageParser<RecordHead> HeadParser = RecordHead.Parser.WithDiscardUnknownFields(true);
    private static readonly MessageParser<OpaqueRecord> FramingParser = OpaqueRecord.Parser.WithDiscardUnknownFields(true);

    private static readonly MessageParser<RecordBody> BodyParser = RecordBody.Parser.WithDiscardUnknownFields(true);

    public static RecordHead Of(ByteString record) => HeadParser.ParseFrom(record.Span);

    /// <summary>The value and headers alone, for a conditional edge's test.</summary>
    public static RecordBody BodyOf(ByteString record) => BodyParser.ParseFrom(record.Span);

    public static string IdOf(ByteString record) => Of(record).Id;

    public static string KeyOf(ByteString record) => Of(record).Key;

    /// <summary>The first record whose head cannot be read, and why; null when every one can.</summary>
    public static (int Index, string Error)? FirstUnreadable(IReadOnlyList<ByteString> records) => First(records, HeadParser);

    /// <summary>The first record whose framing is broken, and why; null when every one is framed as a message.</summary>
    public static (int Index, string Error)? FirstMisframed(IReadOnlyList<ByteString> records) => First(records, FramingParser);

    private static (int Index, string Error)? First<T>(IReadOnlyList<ByteString> records, MessageParser<T> parser)
        where T : IMessage<T>
    {
        for (var i = 0; i < records.Count; i++)
        {
            try
            {
                parser.ParseFrom(records[i].Span);
            }
            catch (InvalidProtocolBufferException e)
            {
                return (i, e.Message);
            }
        }

        return null;
    }
}
