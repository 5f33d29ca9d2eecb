using System.Text.Json;
using EtlRouter.Connectors.Sources;
using Xunit;

namespace EtlRouter.Tests.Connectors;

/// <summary>The generator's records: a function of (seed, seq), padded to the size asked, valid JSON with the PII fields.</summary>
public sealed class GeneratedRecordsTests
{
    [Theory]
    [InlineData(200)]
    [InlineData(1024)]
    [InlineData(8192)]
    public void A_record_is_valid_json_of_the_size_asked(int size)
    {
        var record = new GeneratedRecords("gen", size, seed: 7, keyed: false).Make(41);

        Assert.Equal(size, record.Value.Length);
        var json = JsonDocument.Parse(record.Value.Memory).RootElement;
        Assert.Equal(41, json.GetProperty("seq").GetInt64());
        Assert.EndsWith("@example.com", json.GetProperty("email").GetString(), StringComparison.Ordinal);
        Assert.Matches(@"^\+1-555-\d{3}-\d{4}$", json.GetProperty("phone").GetString());
        Assert.Contains(json.GetProperty("status").GetString(), new[] { "active", "inactive" });
        Assert.True(json.GetProperty("amount").GetDecimal() is >= 0 and < 100_000);
        Assert.Equal("gen-41", record.Id);
        Assert.Equal("000000000041", record.Origin.Offset);
    }

    [Fact]
    public void The_same_seed_and_seq_give_the_same_bytes_and_another_seed_does_not()
    {
        var first = new GeneratedRecords("gen", 100, seed: 1, keyed: true);
        var again = new GeneratedRecords("gen", 100, seed: 1, keyed: true);
        var other = new GeneratedRecords("gen", 100, seed: 2, keyed: true);

        Assert.Equal(first.Make(5).Value, again.Make(5).Value);
        Assert.Equal(first.Make(5).Key, again.Make(5).Key);
        Assert.NotEqual(first.Make(5).Value, first.Make(6).Value);
        Assert.NotEqual(first.Make(5).Value, other.Make(5).Value);
    }

    [Fact]
    public void A_size_below_the_fields_gives_the_fields_unpadded()
    {
        var record = new GeneratedRecords("gen", 10, seed: 1, keyed: false).Make(0);

        Assert.True(record.Value.Length > 10);
        Assert.False(JsonDocument.Parse(record.Value.Memory).RootElement.TryGetProperty("pad", out _));
    }
}
