using Hub.Platform.Fhir;

namespace Hub.Tests.Platform;

[Trait("Category", "Unit")]
public sealed class NhsNumberTests
{
    [Theory]
    [InlineData("9912003888")] // UK Core example patient
    [InlineData("9434765919")] // NHS Digital's published test number
    [InlineData("4010232137")] // Personal Demographics Service sandbox patient
    public void Numbers_with_a_correct_check_digit_are_valid(string number) => Assert.True(NhsNumber.IsValid(number));

    [Theory]
    [InlineData("3478526985")] // the BaRS example's: its check digit is wrong
    [InlineData("9912003889")]
    [InlineData("991200388")]
    [InlineData("99120038881")]
    [InlineData("99120O3888")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("1000000010")] // remainder 1: check digit would be 10, so no valid number exists
    public void Anything_else_is_not(string? number) => Assert.False(NhsNumber.IsValid(number));
}
