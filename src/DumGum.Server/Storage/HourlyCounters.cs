namespace DumGum.Storage;

/// <summary>
/// The key of the usage counter rows (<c>usage_hourly</c>, <c>usage_latency</c>): the project, the UTC hour and the node.
/// Runs (Explorer/UsageStore.cs) and logged customer calls (Customers/CallLog.cs) add to the same rows, each in the
/// transaction that records them.
/// </summary>
public static class HourlyCounters
{
    public const long HourMs = 3_600_000;

    /// <summary>The start of the UTC hour that <paramref name="unixMs"/> falls in.</summary>
    public static long HourOf(long unixMs) => unixMs - (((unixMs % HourMs) + HourMs) % HourMs);

    /// <summary>
    /// Each node of a cluster adds to rows of its own, so nodes never wait on each other's row locks; a single node has
    /// one row per hour.
    /// </summary>
    public static string Node(WriteQueue.Writer w)
    {
        ArgumentNullException.ThrowIfNull(w);
        return w.Database.IsCluster ? w.NodeId : "";
    }
}
