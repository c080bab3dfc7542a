using LeadHub.Bench;

namespace LeadHub.Tests.Bench;

public sealed class BenchOptionsTests
{
    [Fact]
    public void Node_environment_options_collect_each_variable_for_the_nodes()
    {
        var o = BenchOptions.Parse(["--node-env", "DOTNET_TieredPGO=0", "--node-env", "LeadHub__Note=a=b"]);

        Assert.Equal("0", o.NodeEnvironment["DOTNET_TieredPGO"]);
        Assert.Equal("a=b", o.NodeEnvironment["LeadHub__Note"]);
    }

    [Theory]
    [InlineData("=1")]
    [InlineData("NOVALUE")]
    public void Node_environment_option_without_a_name_and_value_is_refused(string pair) =>
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--node-env", pair]));
}
