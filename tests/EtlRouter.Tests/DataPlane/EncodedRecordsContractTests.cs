using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Wire;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Xunit;
using Record = EtlRouter.Contracts.V1.Record;

namespace EtlRouter.Tests.DataPlane;

/// <summary>
/// The sidecar reads the etl.v1 messages that carry records with the records left encoded
/// (Sidecar/Wire/encoded_records.proto). These tests keep that reading in step with the contracts users implement.
/// </summary>
public sealed class EncodedRecordsContractTests
{
    private static readonly (MessageDescriptor Encoded, MessageDescriptor Contract)[] Pairs =
    [
        (EncodedEdgeFrame.Descriptor, EdgeFrame.Descriptor),
        (EncodedBatch.Descriptor, Batch.Descriptor),
        (EncodedTransformRequest.Descriptor, TransformRequest.Descriptor),
        (EncodedTransformResponse.Descriptor, TransformResponse.Descriptor),
        (EncodedWriteRequest.Descriptor, WriteRequest.Descriptor),
        (EncodedReadResponse.Descriptor, ReadResponse.Descriptor),
    ];

    [Fact]
    public void Each_encoded_message_has_every_field_of_its_contract_message_with_records_as_bytes()
    {
        var mismatches = new List<string>();
        foreach (var (encoded, contract) in Pairs)
        {
            Assert.Equal(contract.Fields.InFieldNumberOrder().Select(f => f.FieldNumber), encoded.Fields.InFieldNumberOrder().Select(f => f.FieldNumber));
            foreach (var field in contract.Fields.InFieldNumberOrder())
            {
                if (Mismatch(encoded.FindFieldByNumber(field.FieldNumber), field) is { } why) mismatches.Add($"{encoded.Name}.{field.Name}: {why}");
            }
        }

        Assert.Empty(mismatches);
    }

    [Fact]
    public void A_record_head_reads_the_fields_of_a_record_it_names()
    {
        foreach (var field in RecordHead.Descriptor.Fields.InFieldNumberOrder())
        {
            Assert.Null(Mismatch(field, Record.Descriptor.FindFieldByNumber(field.FieldNumber)));
        }
    }

    [Fact]
    public void The_methods_the_sidecar_calls_are_the_contracts_methods()
    {
        Assert.Equal("etl.v1.SidecarDataPlane", EncodedMethods.Exchange.ServiceName);
        Assert.Equal(Grpc.Core.MethodType.DuplexStreaming, EncodedMethods.Exchange.Type);
        Assert.Equal("/etl.v1.TransformService/TransformStream", EncodedMethods.TransformStream.FullName);
        Assert.Equal(Grpc.Core.MethodType.Unary, EncodedMethods.Transform.Type);
        Assert.Equal("/etl.v1.SinkService/WriteStream", EncodedMethods.WriteStream.FullName);
        Assert.Equal("/etl.v1.SourceService/Read", EncodedMethods.Read.FullName);
    }

    [Fact]
    public void A_contract_batch_reads_as_encoded_records_and_writes_back_byte_for_byte()
    {
        var frame = new EdgeFrame { Batch = new Batch { Seq = 42, Records = { Full("a"), Full("b"), new Record() } } };
        var wire = frame.ToByteArray();

        var encoded = EncodedEdgeFrame.Parser.ParseFrom(wire);

        Assert.Equal(42ul, encoded.Batch.Seq);
        Assert.Equal(frame.Batch.Records.Select(r => r.ToByteString()), encoded.Batch.Records);
        Assert.Equal(wire, encoded.ToByteArray());
        Assert.Equal(frame, EdgeFrame.Parser.ParseFrom(encoded.ToByteArray()));
    }

    [Fact]
    public void A_head_reads_id_key_and_origin_and_skips_the_rest()
    {
        var record = Full("c");

        var head = RecordHeads.Of(record.ToByteString());

        Assert.Equal("id-c", head.Id);
        Assert.Equal("key-c", head.Key);
        Assert.Equal(record.Origin, head.Origin);
        Assert.Equal(new RecordHead { Id = "id-c", Key = "key-c", Origin = record.Origin }.CalculateSize(), head.CalculateSize());
    }

    [Fact]
    public void Bytes_that_are_not_a_record_are_named_by_their_place()
    {
        var good = Full("d").ToByteString();
        var truncated = ByteString.CopyFrom(0x0a, 0x7f, 0x41);

        Assert.Null(RecordHeads.FirstUnreadable([good, good]));
        var (index, error) = RecordHeads.FirstUnreadable([good, truncated, good])!.Value;
        Assert.Equal(1, index);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    private static Record Full(string name) => new()
    {
        Id = $"id-{name}",
        Key = $"key-{name}",
        Value = ByteString.CopyFromUtf8($"{{\"name\":\"{name}\"}}"),
        Headers = { ["h1"] = "v1", ["h2"] = name },
        EventTime = Timestamp.FromDateTime(new DateTime(2026, 11, 28, 23, 0, 0, DateTimeKind.Utc)),
        Origin = new RecordOrigin { Source = "src", Offset = $"off-{name}" },
    };

    /// <summary>Why two fields of the same number do not read the same bytes the same way, or null when they do.</summary>
    private static string? Mismatch(FieldDescriptor? encoded, FieldDescriptor? contract)
    {
        if (encoded is null || contract is null) return "missing";
        if (encoded.Name != contract.Name) return $"named {encoded.Name}, the contract says {contract.Name}";
        if (encoded.IsRepeated != contract.IsRepeated || encoded.IsMap != contract.IsMap) return "repeated or map differs";
        if (contract.FieldType == FieldType.Message && contract.MessageType == Record.Descriptor)
        {
            return encoded.FieldType == FieldType.Bytes ? null : "a record must be read as bytes";
        }

        if (encoded.FieldType != contract.FieldType) return $"type {encoded.FieldType}, the contract says {contract.FieldType}";
        if (encoded.FieldType != FieldType.Message) return null;
        if (encoded.IsMap)
        {
            return encoded.MessageType.Fields.InFieldNumberOrder().Select(f => f.FieldType).SequenceEqual(contract.MessageType.Fields.InFieldNumberOrder().Select(f => f.FieldType))
                ? null : "map key or value type differs";
        }

        var pairedEncoded = Pairs.FirstOrDefault(p => p.Contract == contract.MessageType).Encoded;
        return encoded.MessageType == contract.MessageType || encoded.MessageType == pairedEncoded ? null : $"message {encoded.MessageType.FullName}, the contract says {contract.MessageType.FullName}";
    }
}
