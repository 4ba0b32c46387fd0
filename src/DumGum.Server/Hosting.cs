using DumGum.AccessKeys;
using DumGum.Admin;
using DumGum.Conversations;
using DumGum.Customers;
using DumGum.Dashboard;
using DumGum.Explorer;
using DumGum.Guardrails;
using DumGum.Http;
using DumGum.Playground;
using DumGum.Projects;
using DumGum.Replies;
using DumGum.Replies.Models;
using DumGum.Sample;
using DumGum.Storage;
using DumGum.Suggestions;
using DumGum.Replies.Vision;
using DumGum.Webhooks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace DumGum;

/// <summary>How the host is put together; Program.cs reads as the table of contents.</summary>
public static class Hosting
{
    public static void AddDumGum(this WebApplicationBuilder builder)
    {
        UseSettingsBesideTheBinary(builder);
        var services = builder.Services;
        var config = builder.Configuration;
        // Loopback by default; --urls, ASPNETCORE_URLS or Urls in configuration choose otherwise.
        if (string.IsNullOrEmpty(config["urls"])) builder.WebHost.UseUrls("http://127.0.0.1:5080");
        services.AddProblemJson();   // problem+json from one producer, IProblemDetailsService (Http/Problems.cs)
        services.AddDumGumOpenApi();
        // Handlers read bodies themselves; strict numbers only make the OpenAPI schemas say "integer", not "integer or string".
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict);
        services.AddQuietTransportFaults();
        services.AddDashboard();
        // The dashboard's files come from wwwroot in every environment (tests run as "Testing"), not only Development.
        builder.WebHost.UseStaticWebAssets();
        // Keys are kept in our own database, which is where every other secret lives; no need to hear it at each start.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage");
        services.TryAddSingleton(TimeProvider.System);

        // Every options class is bound and checked at start: a bad value fails the start with a message naming the key.
        services.AddCheckedOptions<OutboundOptions>("Outbound", OutboundOptions.Rules);
        services.AddCheckedOptions<SecurityOptions>("Security");   // a bool: a value that is not one fails the binding itself
        services.AddCheckedOptions<ConversationOptions>("Conversations", ConversationOptions.Rules);
        services.AddCheckedOptions<RetentionOptions>("Retention", RetentionOptions.Rules);

        services.AddCheckedOptions<StorageOptions>("Storage", StorageOptions.Rules);
        services.AddSingleton(sp => Database.FromConfiguration(config, sp.GetRequiredService<IOptions<StorageOptions>>().Value.Topology));
        services.AddSingleton(sp =>
        {
            var queue = new WriteQueue(sp.GetRequiredService<Database>(), sp.GetRequiredService<ILogger<WriteQueue>>())
            {
                NodeId = sp.GetRequiredService<NodeIdentity>().Id,
                MaxQueuedAccepts = config.GetValue("Storage:MaxQueuedEnqueues", 500),
            };
            // Other nodes hear of this node's commits where the database can notify; otherwise from their resync.
            if (queue.Database.IsCluster && queue.Database.Dialect.Notifications) queue.BeforeCommit = ClusterSync.Notify;
            var metrics = sp.GetRequiredService<DumGumMetrics>();
            queue.BatchCommitted += (size, _) => metrics.WriteBatch(size);
            return queue;
        });
        services.AddSingleton(sp => AdminAuth.Create(config["Admin:Token"], sp.GetRequiredService<Database>()));
        services.AddSingleton<DumGumMetrics>();
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<ProjectStore>();
        services.AddSingleton<ProjectAdmin>();
        services.AddSingleton<AccessKeyStore>();
        services.AddSingleton<KeyRateLimiter>();
        services.AddSingleton<AccessKeyAuth>();
        services.AddSingleton(sp => new EnqueueSchema(sp.GetRequiredService<ModelCatalog>().Names));
        services.AddSingleton<GenerateSchema>();
        services.AddSingleton<SuggestionWriter>();
        services.AddSingleton<CallLog>();
        services.AddSingleton<CustomerClient>();
        services.AddSingleton<ProfileCache>();
        services.AddSingleton<EndpointTester>();
        services.AddSingleton<DeliveryDispatcher>();
        // Before the scheduler: hosted services start in this order, and the dispatcher adopts the pending events of the
        // outbox before any run can write new ones.
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryDispatcher>());
        services.AddSingleton<ConversationStore>();
        services.AddSingleton<AnswerStore>();
        services.AddSingleton<RunStore>();
        services.AddSingleton<UsageStore>();
        services.AddSingleton<BanLedger>();
        services.AddSingleton<BanAdmin>();
        services.AddSingleton<UserLanguageCheck>();
        services.AddSingleton<Guardrail>();
        services.AddSingleton<Memory.MemoryStore>();
        services.AddSingleton<Memory.IMemoryExtractor, Memory.Extraction.OfflineMemoryExtractor>();
        services.AddSingleton<Memory.Extraction.ModelMemoryExtractor>();
        services.AddSingleton<Conversations.MemoryExtraction>();
        services.AddOptions<Conversations.MemoryExtractionOptions>().BindConfiguration(Conversations.MemoryExtractionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Conversations.MemoryExtractionOptions>, Conversations.MemoryExtractionOptionsValidator>();
        services.AddSingleton<Admin.MemoryEditor>();
        services.AddSingleton<ReplyPipeline>();
        services.AddSingleton<ConversationRunner>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ConversationOptions>>().Value;
            return new RunAdmission(o.MaxConcurrentRuns, o.AcceptLatencyTarget, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<ConversationScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<ConversationScheduler>());
        services.AddHostedService<ClusterSync>();
        // The caches another process's writes must refresh (docs/behaviour.md, "Changes made elsewhere").
        services.AddSingleton<IFollowsChangeStamps>(sp => sp.GetRequiredService<ProjectStore>());
        services.AddSingleton<IFollowsChangeStamps>(sp => sp.GetRequiredService<AccessKeys.AccessKeyStore>());
        services.AddSingleton<IFollowsChangeStamps>(sp => sp.GetRequiredService<BanLedger>());
        services.AddHostedService<ChangeWatcher>();
        services.AddHostedService<StoredSettingsCheck>();
        services.AddSingleton<Retention>();
        services.AddHostedService(sp => sp.GetRequiredService<Retention>());
        // The reply engine: Generation options, chat model catalog, the IChatClient pipeline, checks, ReplyWriter (docs/models.md).
        services.AddReplyEngine();
        services.AddSingleton<SoulEngine>();
        services.AddVisionLink();
        services.AddSingleton<SampleCustomer>();
        services.AddSingleton<ConversationEnqueuer>();
        services.AddPlayground();

        services.AddHttpClient(CustomerClient.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => OutboundAddressGuard.CreateHandler(
                sp.GetRequiredService<IOptions<SecurityOptions>>().Value.AllowPrivateNetworkEndpoints,
                sp.GetRequiredService<IOptions<OutboundOptions>>().Value.ConnectTimeout))
            .AddHttpMessageHandler<PlaygroundHandler>()   // playground conversations' calls are answered in-process
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)   // the handler already recycles its connections every 2 minutes
            // Every customer call and delivery attempt is in the project log already (CallLog); the factory's own
            // per-request log scopes and lines would only repeat it, at a cost on every call.
            .RemoveAllLoggers();
        services.AddHttpClient();

        services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(DumGumMetrics.MeterName)
            .ConfigureDumGumViews()
            .AddMeter(ModelServices.TelemetrySourceName)
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter());
    }

    /// <summary>
    /// ASP.NET Core looks for appsettings.json in the working directory. Started from elsewhere (say
    /// <c>dotnet /opt/dumgum/DumGum.Server.dll</c> from the repository root) it would run without our settings, with
    /// per-request logging at Information. Then the copies beside the binary are read, still before environment
    /// variables and the command line, so those keep the last word.
    /// </summary>
    internal static void UseSettingsBesideTheBinary(WebApplicationBuilder builder)
    {
        if (File.Exists(Path.Combine(builder.Environment.ContentRootPath, "appsettings.json"))) return;
        var directory = AppContext.BaseDirectory;
        if (!File.Exists(Path.Combine(directory, "appsettings.json"))) return;
        var files = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(directory);
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = "appsettings.json", FileProvider = files, Optional = true,
        });
        builder.Configuration.Sources.Insert(1, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = $"appsettings.{builder.Environment.EnvironmentName}.json", FileProvider = files, Optional = true,
        });
    }

    /// <summary>
    /// The public API, declared once: every endpoint under <c>/cs/v1/content_creation</c> needs an access key within its
    /// rate limit (the group's filter answers 401 and 429), and each handler reads the caller's project from the request.
    /// </summary>
    public static RouteGroupBuilder MapContentCreation(this WebApplication app)
    {
        var group = app.MapGroup("/cs/v1/content_creation").WithTags("content-creation").RequireAccessKey();
        group.MapEnqueue();
        group.MapGenerate();
        group.MapSuggestion();
        return group;
    }

    public static void MapOperations(this WebApplication app)
    {
        // Operations endpoints, not part of the API a client is generated for (docs/behaviour.md, "The OpenAPI document").
        app.MapHealthChecks("/healthz").ExcludeFromDescription();
        app.MapPrometheusScrapingEndpoint("/metrics").ExcludeFromDescription();
        app.MapOpenApi("/openapi/{documentName}.json");
    }

    public static void MapSampleCustomerInDevelopment(this WebApplication app)
    {
        if (app.Environment.IsDevelopment()) app.MapSampleCustomer();
    }

    /// <summary>
    /// At the first start, prints what was generated (admin token, sample key) exactly once, with a curl line that
    /// works as printed. Secrets go to the console only, never to the logs.
    /// </summary>
    public static void PrintFirstStartBanner(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
        {
            var sp = app.Services;
            var generatedToken = sp.GetRequiredService<AdminAuth>().TakeGeneratedToken();
            var baseUrl = app.Urls.FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal))?.TrimEnd('/') ?? "http://127.0.0.1:5080";
            SampleCredentials? sample = null;
            if (app.Environment.IsDevelopment())
            {
                var dataDirectory = sp.GetRequiredService<Database>().DataDirectory;
                sample = await SampleSetup.EnsureAsync(sp.GetRequiredService<ProjectStore>(), sp.GetRequiredService<AccessKeyStore>(),
                    sp.GetRequiredService<SampleCustomer>(), dataDirectory, baseUrl, app.Lifetime.ApplicationStopping);
            }
            app.Logger.LogInformation("Dashboard: {DashboardUrl}", baseUrl + "/dashboard");
            var engine = StatusEndpoints.Banner(sp.GetRequiredService<IOptions<GenerationOptions>>().Value);
            app.Logger.LogInformation("Reply engine: {Engine}", engine);
            if (generatedToken is null && sample is null) return;
            var o = Console.Out;
            o.WriteLine();
            o.WriteLine("==================== DumGum: shown once, store them now ====================");
            o.WriteLine($"Dashboard:                  {baseUrl}/dashboard  (sign in with the admin token)");
            o.WriteLine($"Reply engine:               {engine}");
            if (generatedToken is not null) o.WriteLine($"Admin token (Admin:Token):  {generatedToken}");
            if (sample is not null)
            {
                o.WriteLine($"Sample project:             {sample.ProjectId}");
                o.WriteLine($"Sample access key:          {sample.AccessKey}");
                o.WriteLine("Try it (the sample customer answers on /sample/…; see the inbox with GET /sample/inbox):");
                o.WriteLine($"  curl -i -X POST {baseUrl}/cs/v1/content_creation/conversations/enqueue -H \"Content-Type: application/json\" " +
                            $"-H \"Authorization: Bearer {sample.AccessKey}\" -d '{{\"userProfileId\": \"u-alex\", \"personaProfileId\": \"p-marta\", \"language\": \"EN\"}}'");
            }
            o.WriteLine("=============================================================================");
            o.WriteLine();
        }));
    }
}

sealed class StorageHealthCheck(Database database) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var connection = database.Open();
            connection.Sql("SELECT 1").ExecuteScalar();
            return Task.FromResult(HealthCheckResult.Healthy());
        }
        catch (Exception ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"The database ({database.Dialect.Name}) is not reachable", ex));
        }
    }
}
