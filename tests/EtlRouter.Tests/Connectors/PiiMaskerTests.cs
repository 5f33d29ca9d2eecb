using EtlRouter.Connectors.Transforms;
using Xunit;

namespace EtlRouter.Tests.Connectors;

/// <summary>Masking: e-mails keep their domain, phones and Luhn-valid cards their last four digits.</summary>
public sealed class PiiMaskerTests
{
    [Theory]
    [InlineData("write to jane.doe@example.com today", "write to ***@example.com today")]
    [InlineData("card 4111 1111 1111 1111 on file", "card **** **** **** 1111 on file")]
    [InlineData("call +1-555-867-5309", "call ***-***-5309")]
    [InlineData("order 1234 5678 9012 3456 shipped", "order 1234 5678 9012 3456 shipped")]
    [InlineData("nothing personal here", "nothing personal here")]
    public void Masks_what_is_personal_and_leaves_the_rest(string text, string masked) =>
        Assert.Equal(masked, PiiMasker.Mask(text));

    [Fact]
    public void Redacting_keeps_only_the_last_four_characters() =>
        Assert.Equal("******7890", PiiMasker.Redact("1234567890"));
}
