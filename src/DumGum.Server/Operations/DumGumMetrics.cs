using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace DumGum;

/// <summary>The service's own metrics (meter <c>DumGum</c>), exported for Prometheus at <c>/metrics</c>.</summary>
public sealed class DumGumMetrics
{
    public const string MeterName = "DumGum";

    readonly Counter<long> enqueues;
    readonly Counter<long> customerErrors;
    readonly Counter<long> runs;
    readonly Histogram<double> runSeconds;
    readonly Histogram<double> deliverySeconds;
    readonly Counter<long> deliveries;
    readonly Histogram<int> writeBatch;

    public DumGumMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        enqueues = meter.CreateCounter<long>("dumgum.enqueues", description: "Enqueue requests accepted (204).");
        customerErrors = meter.CreateCounter<long>("dumgum.customer_endpoint.errors", description: "Failed calls to customer endpoints, by kind.");
        runs = meter.CreateCounter<long>("dumgum.runs", description: "Conversation runs finished, by outcome.");
        runSeconds = meter.CreateHistogram<double>("dumgum.run.duration", "s", "From the oldest enqueue served to the run's outcome.");
        deliverySeconds = meter.CreateHistogram<double>("dumgum.delivery.duration", "s", "One event POST to a customer.");
        deliveries = meter.CreateCounter<long>("dumgum.deliveries", description: "Event delivery attempts, by event and outcome.");
        writeBatch = meter.CreateHistogram<int>("dumgum.storage.write_batch", description: "Work items committed per transaction.");
        meter.CreateObservableGauge("dumgum.queue.pending_conversations", () => PendingConversations(),
            description: "Conversations with accepted enqueues not yet served.");
        meter.CreateObservableGauge("dumgum.queue.pending_deliveries", () => PendingDeliveries(),
            description: "Events waiting to be delivered.");
        meter.CreateObservableGauge("dumgum.runs.allowed", () => RunsAllowed(),
            description: "Runs allowed at once on this node right now: below the configured maximum while runs give way to accepting.");
    }

    /// <summary>
    /// Bucket bounds, in seconds, of the <c>*.duration</c> histograms: OpenTelemetry's default bounds are meant for
    /// milliseconds (0, 5, 10, 25, …), which would put every delivery in the first bucket.
    /// </summary>
    public static readonly double[] SecondsBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

    /// <summary>The views that give the duration histograms second-scale buckets.</summary>
    public static MeterProviderBuilder AddViews(MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var name in (string[])["dumgum.run.duration", "dumgum.delivery.duration"])
            builder.AddView(name, new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets });
        return builder;
    }

    public Func<long> PendingConversations { get; set; } = () => 0;
    public Func<long> PendingDeliveries { get; set; } = () => 0;
    public Func<long> RunsAllowed { get; set; } = () => 0;

    public void Enqueued(int count = 1) => enqueues.Add(count);
    public void CustomerEndpointError(string kind) => customerErrors.Add(1, new KeyValuePair<string, object?>("kind", kind));
    public void RunFinished(string outcome, TimeSpan sinceOldest)
    {
        runs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        runSeconds.Record(sinceOldest.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }
    public void Delivered(string @event, string outcome, TimeSpan latency)
    {
        deliveries.Add(1, new KeyValuePair<string, object?>("event", @event), new KeyValuePair<string, object?>("outcome", outcome));
        deliverySeconds.Record(latency.TotalSeconds, new KeyValuePair<string, object?>("event", @event));
    }
    public void WriteBatch(int size) => writeBatch.Record(size);
}

public static class DumGumMetricsViews
{
    /// <summary>Second-scale buckets for DumGum's duration histograms (see <see cref="DumGumMetrics.SecondsBuckets"/>).</summary>
    public static MeterProviderBuilder ConfigureDumGumViews(this MeterProviderBuilder builder) => DumGumMetrics.AddViews(builder);
}
