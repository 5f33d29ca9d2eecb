using System.Text.Json.Nodes;
using EtlRouter.Connectors.Transforms;
using Xunit;

namespace EtlRouter.Tests.Connectors;

/// <summary>The filter connector's expressions: what matches, and what is refused with a message naming the part.</summary>
public sealed class FieldExpressionTests
{
    private static readonly JsonObject Order = JsonNode.Parse("""{"status":"active","amount":42.5,"vip":true,"email":"A@Example.com","address":{"country":"DE"}}""")!.AsObject();

    [Theory]
    [InlineData("status == 'active'", true)]
    [InlineData("status != \"active\"", false)]
    [InlineData("amount >= 42.5 and amount < 43", true)]
    [InlineData("amount > 100 or vip == true", true)]
    [InlineData("amount > 100 || status == 'gone'", false)]
    [InlineData("address.country == 'DE' && exists email", true)]
    [InlineData("email contains 'example.COM'", true)]
    [InlineData("exists missing", false)]
    [InlineData("missing != 'x'", true)]
    [InlineData("amount == 'text'", false)]
    public void Matches_like_the_readme_says(string expression, bool expected) =>
        Assert.Equal(expected, FieldExpression.Parse(expression).Matches(Order));

    [Theory]
    [InlineData("status = 'active'", "'status = 'active'' (in")]
    [InlineData("amount >= ten", "'ten'")]
    [InlineData("and", "'and'")]
    public void A_malformed_expression_names_the_part_that_is_wrong(string expression, string named)
    {
        var error = Assert.Throws<FormatException>(() => FieldExpression.Parse(expression));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("expression:", error.Message, StringComparison.Ordinal);
    }
}
