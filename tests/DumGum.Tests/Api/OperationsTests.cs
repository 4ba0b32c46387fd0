using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;

namespace DumGum.Tests.Api;

public sealed class OperationsFixture : IAsyncLifetime
{
    public DumGumHost Host { get; private set; } = null!;
    public FakeCustomer Customer { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Customer = await FakeCustomer.StartAsync();
        Host = DumGumHost.Start();
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        if (Customer is not null) await Customer.DisposeAsync();
    }
}

public sealed class OperationsTests(OperationsFixture f) : IClassFixture<OperationsFixture>
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_check_answers_Healthy()
    {
        using var response = await f.Host.Http.GetAsync("/healthz", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(Token));
    }

    [Fact]
    public async Task OpenApi_document_describes_the_enqueue_and_admin_routes()
    {
        using var response = await f.Host.Http.GetAsync("/openapi/v1.json", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!.AsObject();
        Assert.StartsWith("3.", (string)document["openapi"]!, StringComparison.Ordinal);
        var paths = document["paths"]!.AsObject();
        Assert.True(paths["/cs/v1/content_creation/conversations/enqueue"]?["post"] is JsonObject, "the enqueue POST is described");
        Assert.True(paths["/admin/v1/projects"]?["post"] is JsonObject, "project creation is described");
        Assert.True(paths["/admin/v1/projects"]?["get"] is JsonObject, "the project listing is described");
        var body = paths["/cs/v1/content_creation/conversations/enqueue"]!["post"]!["requestBody"]?["content"]?["application/json"]?["schema"];
        Assert.True(body is JsonObject, "the enqueue body is described as JSON");
        Assert.Equal("DumGum", (string?)document["info"]?["title"]);
    }

    [Fact]
    public async Task Metrics_count_accepted_enqueues_in_Prometheus_text()
    {
        var project = await f.Host.CreateProjectAsync(f.Customer);
        using (var response = await f.Host.EnqueueAsync(project.Key, new
               {
                   userProfileId = "u-metrics", personaProfileId = "p-metrics", language = "EN", replyParameters = new { bufferSeconds = 60 },
               }))
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        // The exporter may serve a cached scrape for a short while; poll until the counter shows up.
        string text = "";
        double? value = null;
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            using var response = await f.Host.Http.GetAsync("/metrics", Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync(Token);
            value = CounterValue(text, "dumgum_enqueues_total");
            if (value >= 1) break;
            await Task.Delay(100, Token);
        }
        Assert.True(value >= 1, $"dumgum_enqueues_total should be at least 1 after an enqueue:\n{text}");
        Assert.Contains("# TYPE dumgum_enqueues_total counter", text, StringComparison.Ordinal);
        // The runs allowed at once (docs/operations.md): between the floor and the configured maximum (a loaded test
        // machine may have made runs give way for a moment). Each sample on its own: the exporter reads the meter of
        // every host this test process runs, so there may be several.
        Assert.Contains("# TYPE dumgum_runs_allowed gauge", text, StringComparison.Ordinal);
        var allowed = Samples(text, "dumgum_runs_allowed");
        Assert.NotEmpty(allowed);
        Assert.All(allowed, value => Assert.InRange(value, 2, 256));
    }

    [Fact]
    public async Task Unknown_route_is_a_404_problem()
    {
        using var response = await f.Host.Http.GetAsync("/cs/v1/no/such/route", Token);
        await ProblemAssert.ReadAsync(response, HttpStatusCode.NotFound);
    }

    /// <summary>The sum of a Prometheus counter's samples (any labels), or null when it has none.</summary>
    static double? CounterValue(string text, string name) => Samples(text, name) is { Count: > 0 } samples ? samples.Sum() : null;

    /// <summary>The values of a Prometheus metric's samples (any labels).</summary>
    static List<double> Samples(string text, string name)
    {
        var values = new List<double>();
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal)) continue;
            var rest = line[name.Length..];
            if (rest.Length == 0 || (rest[0] != ' ' && rest[0] != '{')) continue;
            var parts = rest[(rest.LastIndexOf('}') + 1)..].Trim().Split(' ');
            values.Add(double.Parse(parts[0], CultureInfo.InvariantCulture));
        }
        return values;
    }
}
