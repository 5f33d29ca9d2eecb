using System.Text;
using EtlRouter.Contracts.Routing;
using Xunit;

namespace EtlRouter.Tests.Contracts;

/// <summary>
/// The one condition language (the filter connector's expressions, a pipeline's conditional edges): what holds,
/// and what is refused with the position and the part that is wrong.
/// </summary>
public sealed class RecordConditionTests
{
    private const string Order = """{"status":"active","amount":42.5,"vip":true,"email":"A@Example.com","address":{"country":"DE"},"none":null}""";

    [Theory]
    [InlineData("status == 'active'", true)]
    [InlineData("status != \"active\"", false)]
    [InlineData("amount >= 42.5 and amount < 43", true)]
    [InlineData("amount > 100 or vip == true", true)]
    [InlineData("amount > 100 || status == 'gone'", false)]
    [InlineData("address.country == 'DE' && exists email", true)]
    [InlineData("email contains 'example.COM'", true)]
    [InlineData("exists missing", false)]
    [InlineData("exists none", false)]
    [InlineData("missing != 'x'", true)]
    [InlineData("amount == 'text'", false)]
    [InlineData("not vip == true", false)]
    [InlineData("!(amount < 10) and status == 'active'", true)]
    [InlineData("amount > 100 or (vip == true and address.country == 'FR')", false)]
    [InlineData("amount == 4.25e1", true)]
    [InlineData("amount > -1", true)]
    [InlineData("tag 'eu'", true)]
    [InlineData("tag 'us' or status == 'active' and tag 'priority'", true)]
    [InlineData("tag 'us'", false)]
    [InlineData("status == 'active' AND NOT tag 'us'", true)]
    public void Holds_like_the_readme_says(string text, bool expected)
    {
        using var facts = RecordFacts.Of(Encoding.UTF8.GetBytes(Order), "eu, priority");
        Assert.Equal(expected, RecordCondition.Parse(text).Holds(facts));
    }

    [Fact]
    public void A_value_that_is_not_a_json_object_has_no_fields_but_its_tags_still_count()
    {
        using var facts = RecordFacts.Of(Encoding.UTF8.GetBytes("not json"), "eu");
        Assert.False(RecordCondition.Parse("exists status").Holds(facts));
        Assert.True(RecordCondition.Parse("status != 'x'").Holds(facts));
        Assert.True(RecordCondition.Parse("tag 'eu'").Holds(facts));
    }

    [Theory]
    [InlineData("status = 'active'", 8, "'=' is not an operator; compare with ==")]
    [InlineData("amount >= ten", 11, "'ten' is not a value; quote text ('ten')")]
    [InlineData("and", 1, "'and' cannot start a condition")]
    [InlineData("", 1, "the condition is empty")]
    [InlineData("status == 'active' region == 'eu'", 20, "'region' is not expected here; join conditions with and / or")]
    [InlineData("(amount > 1 or vip == true", 27, "the condition ends where ')' should follow")]
    [InlineData("status == 'active", 11, "has no closing '")]
    [InlineData("amount like 3", 8, "'like' is not an operator")]
    [InlineData("tag eu", 5, "'eu' is not a quoted tag name; write tag 'eu'")]
    [InlineData("amount > 12abc", 10, "'12abc' is not a number")]
    [InlineData("amount > 1 and", 15, "the condition ends where a condition should follow")]
    [InlineData("status == 'a' ; drop", 15, "';' is not part of the condition language")]
    public void A_malformed_condition_names_the_position_and_the_part_that_is_wrong(string text, int position, string reason)
    {
        var error = Assert.Throws<RecordConditionSyntaxException>(() => RecordCondition.Parse(text));
        Assert.Equal(position, error.Position);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"at character {position} of \"{text}\"", error.Message, StringComparison.Ordinal);
    }
}
