using DumGum.Tests.Infrastructure;

namespace DumGum.Tests.Hosting;

/// <summary>Every options class is checked when the server starts: a bad value fails the start, naming the key.</summary>
public sealed class OptionsAtStartTests
{
    public static TheoryData<string, string> BadSettings => new()
    {
        { "Outbound:ConnectTimeout", "00:00:00" },
        { "Outbound:RequestTimeout", "00:01:00" },
        { "Outbound:MaxResponseBytes", "10" },
        { "Outbound:MaxConcurrentDeliveriesPerProject", "0" },
        { "Outbound:UserAgent", "DumGum\u00e9" },
        { "Security:AllowPrivateNetworkEndpoints", "sometimes" },
        { "Conversations:LeaseDuration", "00:00:00" },
        { "Conversations:HeartbeatInterval", "00:00:20" },
        { "Conversations:ResyncInterval", "00:00:00" },
        { "Conversations:MaxConcurrentRuns", "0" },
        { "Retention:Events", "-00:01:00" },
        { "Retention:CallLogs", "00:00:00" },
        { "Retention:Answers", "00:00:01" },
        { "Retention:Interval", "00:00:00" },
        { "Generation:MaxRetries", "11" },
        { "Storage:Topology", "Ring" },
        { "Storage:Topology", "7" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_value_fails_the_start_with_a_message_naming_its_key(string key, string value)
    {
        var ex = Assert.ThrowsAny<Exception>(() => DumGumHost.Start(settings: new() { [key] = value }).Dispose());
        Assert.Contains(key, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_message_says_the_rule_and_the_value_given()
    {
        var ex = Assert.ThrowsAny<Exception>(() => DumGumHost.Start(settings: new() { ["Outbound:RequestTimeout"] = "00:01:00" }).Dispose());
        Assert.Contains("Outbound:RequestTimeout must be between 00:00:01 and 00:00:30 (got '00:01:00')", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_start()
    {
        using var host = DumGumHost.Start();
        Assert.NotNull(host.BaseAddress);
    }
}
