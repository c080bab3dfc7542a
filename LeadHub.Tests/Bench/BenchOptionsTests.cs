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

    [Fact]
    public void Ab_options_give_B_its_own_build_and_variables_and_turn_the_mode_on()
    {
        var o = BenchOptions.Parse(["--ab-dll", "b/LeadHub.Web.dll", "--ab-env", "X=1", "--ab-rounds", "10", "--node-env", "Y=2"]);

        Assert.True(o.Ab);
        Assert.Equal(Path.GetFullPath("b/LeadHub.Web.dll"), o.AbDll);
        Assert.Equal("1", o.AbEnvironment["X"]);
        Assert.False(o.NodeEnvironment.ContainsKey("X"));
        Assert.Equal(10, o.AbRounds);
    }

    [Theory]
    [InlineData("--ab-baseline", AbAgainst.Baseline)]
    [InlineData("--ab-baseline-store", AbAgainst.StoringBaseline)]
    public void Ab_against_a_baseline_makes_A_that_baseline_and_turns_the_mode_on(string option, AbAgainst against)
    {
        var o = BenchOptions.Parse([option, "--ab-rounds", "10"]);
        Assert.True(o.Ab);
        Assert.Equal(against, o.AbBaseline);
    }

    [Fact]
    public void Ab_against_the_baseline_is_refused_beside_a_B_build() =>
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--ab-baseline", "--ab-env", "X=1"]));

    [Theory]
    [InlineData("--all")]
    [InlineData("--cold")]
    [InlineData("--find-max")]
    public void Ab_is_refused_beside_a_mode_it_does_not_measure(string mode) =>
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--ab", mode]));
}
