namespace DumGum.Customers;

/// <summary>Limits on every call we make to a customer (docs/behaviour.md, "Projects and customer endpoints").</summary>
public sealed class OutboundOptions
{
    /// <summary>What the start checks: a bad value fails it, naming the key.</summary>
    public static OptionsRules<OutboundOptions> Rules(OptionsRules<OutboundOptions> rules) => rules
        .Between(nameof(ConnectTimeout), o => o.ConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30))
        .Between(nameof(RequestTimeout), o => o.RequestTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30))
        .Between(nameof(MaxResponseBytes), o => o.MaxResponseBytes, 1024, 16 * 1024 * 1024)
        .Between(nameof(MaxConcurrentDeliveriesPerProject), o => o.MaxConcurrentDeliveriesPerProject, 1, 1024)
        .Require(nameof(UserAgent), o => o.UserAgent, o => !string.IsNullOrWhiteSpace(o.UserAgent) && o.UserAgent.All(c => c is >= ' ' and <= '~'),
            "be visible ASCII text (a header value)");

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Total time for one request, headers and body; at most 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public int MaxResponseBytes { get; set; } = 1024 * 1024;

    /// <summary>Concurrent event deliveries per project, so one slow customer only ever waits on itself.</summary>
    public int MaxConcurrentDeliveriesPerProject { get; set; } = 32;

    public string UserAgent { get; set; } = "DumGum/1.0 (+content-creation)";
}

public sealed class SecurityOptions
{
    /// <summary>Allows customer endpoints on loopback and private networks; on in Development, off otherwise.</summary>
    public bool AllowPrivateNetworkEndpoints { get; set; }
}
