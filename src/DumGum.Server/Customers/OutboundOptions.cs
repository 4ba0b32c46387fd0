using System.ComponentModel.DataAnnotations;

namespace DumGum.Customers;

/// <summary>Limits on every call we make to a customer (docs/behaviour.md, "Projects and customer endpoints").</summary>
public sealed class OutboundOptions
{
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Total time for one request, headers and body; at most 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:00:30")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    [Range(1024, 16 * 1024 * 1024)]
    public int MaxResponseBytes { get; set; } = 1024 * 1024;

    /// <summary>Concurrent event deliveries per project, so one slow customer only ever waits on itself.</summary>
    [Range(1, 1024)]
    public int MaxConcurrentDeliveriesPerProject { get; set; } = 32;

    public string UserAgent { get; set; } = "DumGum/1.0 (+content-creation)";
}

public sealed class SecurityOptions
{
    /// <summary>Allows customer endpoints on loopback and private networks; on in Development, off otherwise.</summary>
    public bool AllowPrivateNetworkEndpoints { get; set; }
}
