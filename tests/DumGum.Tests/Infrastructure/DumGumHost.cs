using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Storage;
using DumGum.Webhooks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Infrastructure;

/// <summary>
/// The real DumGum server on real Kestrel (loopback, port 0) over a real SQLite file or a real PostgreSQL database (a
/// fresh database on the test run's throwaway cluster). A test that restarts the server starts a second host on the
/// same <see cref="DatabasePath"/>.
/// </summary>
public sealed class DumGumHost : WebApplicationFactory<Program>
{
    public const string AdminToken = "test-admin-token-0123456789";

    readonly Dictionary<string, string?> settings;
    readonly Action<IServiceCollection>? configureServices;

    DumGumHost(StorageProvider provider, string databasePath, Dictionary<string, string?> settings, Action<IServiceCollection>? configureServices)
    {
        Provider = provider;
        DatabasePath = databasePath;
        this.settings = settings;
        this.configureServices = configureServices;
        UseKestrel();   // the Urls setting binds port 0; UseKestrel(0) races on the addresses feature
    }

    public StorageProvider Provider { get; }

    /// <summary>The SQLite file, or the PostgreSQL connection string.</summary>
    public string DatabasePath { get; }

    /// <summary>The server's own database object: queries in tests work on either provider.</summary>
    public Database Database => Services.GetRequiredService<Database>();
    public Uri BaseAddress { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public static string NewDatabasePath() => Path.Combine(TempFolder.Root, $"dumgum-{Guid.NewGuid():N}.db");

    /// <summary>A new empty database: a SQLite path, or a PostgreSQL connection string (starting the cluster on first use).</summary>
    public static string NewDatabase(StorageProvider provider) => provider == StorageProvider.Sqlite
        ? NewDatabasePath()
        : PostgresCluster.SharedAsync().GetAwaiter().GetResult().CreateDatabaseAsync().GetAwaiter().GetResult();

    public static DumGumHost Start(string? databasePath = null, Dictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null, StorageProvider provider = StorageProvider.Sqlite)
    {
        var host = new DumGumHost(provider, databasePath ?? NewDatabase(provider), settings ?? [], services);
        host.StartServer();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        host.Http = new HttpClient { BaseAddress = host.BaseAddress };
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Urls", "http://127.0.0.1:0");
        if (Provider == StorageProvider.Sqlite) builder.UseSetting("Storage:Sqlite:Path", DatabasePath);
        else
        {
            builder.UseSetting("Storage:Provider", "Postgres");
            builder.UseSetting("ConnectionStrings:Postgres", DatabasePath);
        }
        builder.UseSetting("Admin:Token", AdminToken);
        builder.UseSetting("Security:AllowPrivateNetworkEndpoints", "true");
        builder.UseSetting("Logging:Console:FormatterName", "simple");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        if (configureServices is not null) builder.ConfigureTestServices(configureServices);
    }

    public static HttpRequestMessage Admin(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    public async Task<JsonObject> AdminJsonAsync(HttpMethod method, string path, object? body = null, int expectedStatus = 200)
    {
        using var response = await Http.SendAsync(Admin(method, path, body), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True((int)response.StatusCode == expectedStatus, $"{method} {path}: expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public sealed record TestProject(string Id, string WebhookSecret, string Key);

    /// <summary>A fresh project wired to <paramref name="customer"/>, with one access key.</summary>
    public async Task<TestProject> CreateProjectAsync(FakeCustomer customer, object? extra = null)
    {
        var body = new JsonObject
        {
            ["name"] = "test " + Guid.NewGuid().ToString("N")[..6],
            ["profileEndpointUrl"] = customer.ProfileUrl,
            ["chatHistoryEndpointUrl"] = customer.HistoryUrl,
            ["incomingContentEndpointUrl"] = customer.IncomingUrl,
        };
        if (extra is not null)
            foreach (var (k, v) in JsonSerializerHelper.ToObject(extra)) body[k] = v?.DeepClone();
        var project = await AdminJsonAsync(HttpMethod.Post, "/admin/v1/projects", body, 201);
        var id = (string)project["id"]!;
        var key = await AdminJsonAsync(HttpMethod.Post, $"/admin/v1/projects/{id}/access-keys", new { name = "test" }, 201);
        return new TestProject(id, (string)project["webhookSecret"]!, (string)key["key"]!);
    }

    /// <summary>Polls the project's logs of one kind (oldest first) until <paramref name="done"/> holds, for at most 10 s.</summary>
    public async Task<List<JsonObject>> WaitForLogsAsync(string projectId, string kind, Func<List<JsonObject>, bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var json = await AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{projectId}/logs?kind={kind}&limit=1000");
            var items = json["items"]!.AsArray().Select(i => i!.AsObject()).Reverse().ToList();
            if (done(items)) return items;
            if (DateTime.UtcNow > until) throw new TimeoutException($"logs of kind {kind} never matched: {json.ToJsonString()}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Waits until this server has nothing left to do: no conversation pending or running, and every event handed to
    /// the dispatcher delivered, given up or cancelled. From then on nothing reaches the customer until something new
    /// arrives (an enqueue, the clock passing a retry), so "nothing more happened" can be asserted at once.
    /// </summary>
    public async Task WaitQuietAsync(double seconds = 15)
    {
        var scheduler = Services.GetRequiredService<ConversationScheduler>();
        var deliveries = Services.GetRequiredService<DeliveryDispatcher>();
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!scheduler.Idle || deliveries.Pending > 0)
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"still busy: {scheduler.PendingConversations} conversations pending, {deliveries.Pending} events to deliver");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Waits until this server has nothing left to do for one conversation: the scheduler holds it neither pending nor
    /// running, and none of its events is queued or being sent. For a host shared with other tests, whose own
    /// conversations may stay pending (a long buffer) and keep <see cref="WaitQuietAsync(double)"/> from returning.
    /// </summary>
    public async Task WaitQuietAsync(long conversationId, double seconds = 15)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (Scheduled(conversationId) || Deliveries.Delivering(conversationId))
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"conversation {conversationId} is still busy: scheduled {Scheduled(conversationId)}, delivering {Deliveries.Delivering(conversationId)}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Waits until the scheduler no longer holds the conversation: its run has recorded its outcome and released the
    /// lease, and no newer enqueue waits. Its events may still be being delivered (or retried).
    /// </summary>
    public async Task WaitUnscheduledAsync(long conversationId, double seconds = 15)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (Scheduled(conversationId))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"the scheduler still holds conversation {conversationId}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The scheduler holds the conversation, pending or running (a run keeps it pending until it ends).</summary>
    bool Scheduled(long conversationId) => Services.GetRequiredService<ConversationScheduler>().Timer(conversationId) is not null;

    DeliveryDispatcher Deliveries => Services.GetRequiredService<DeliveryDispatcher>();

    /// <summary>The id of the conversation of a project's user and persona (it must exist).</summary>
    public long ConversationId(string projectId, string userProfileId, string personaProfileId)
    {
        using var connection = Database.Open();
        using var command = connection.Sql("SELECT id FROM conversations WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @s")
            .With("@p", projectId).With("@u", userProfileId).With("@s", personaProfileId);
        return Convert.ToInt64(command.ExecuteScalar() ?? throw new InvalidOperationException($"no conversation of {userProfileId} and {personaProfileId}"),
            System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The current time cut to the second: a start for a fake clock whose times survive the database (milliseconds)
    /// and the cluster notices unchanged, so a test can compare them exactly.
    /// </summary>
    public static DateTimeOffset WholeSecondNow() =>
        new(DateTimeOffset.UtcNow.UtcTicks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);

    /// <summary>The id of the only conversation in the database.</summary>
    public long SingleConversationId()
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM conversations";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// When the scheduler will run the conversation. The scheduler learns of pending work at start on a background
    /// thread, so this waits (bounded) for it to hold a timer.
    /// </summary>
    public async Task<DateTimeOffset> WaitForTimerAsync(long conversationId)
    {
        var scheduler = Services.GetRequiredService<ConversationScheduler>();
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (scheduler.Timer(conversationId) is { } timer) return timer.Due;
            if (DateTime.UtcNow > until) throw new TimeoutException($"the scheduler holds no timer for conversation {conversationId}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    public Task<HttpResponseMessage> EnqueueAsync(string? key, object body) => EnqueueRawAsync(key, JsonSerializerHelper.Serialize(body));

    public Task<HttpResponseMessage> EnqueueRawAsync(string? key, string body, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/cs/v1/content_creation/conversations/enqueue")
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        await base.DisposeAsync();
    }
}

static class JsonSerializerHelper
{
    public static string Serialize(object body) => body is JsonNode n ? n.ToJsonString() : System.Text.Json.JsonSerializer.Serialize(body);
    public static JsonObject ToObject(object body) => JsonNode.Parse(Serialize(body))!.AsObject();
}

/// <summary>One temp folder per test run, removed at the end.</summary>
static class TempFolder
{
    public static readonly string Root = Create();

    static string Create()
    {
        var path = Path.Combine(Path.GetTempPath(), "dumgum-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return path;
    }
}
