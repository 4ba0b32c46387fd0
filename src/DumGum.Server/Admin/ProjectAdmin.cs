using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Customers;
using DumGum.Projects;
using DumGum.Webhooks;
using Microsoft.Extensions.Options;

namespace DumGum.Admin;

/// <summary>The outcome of a create or update: the saved project, or the rule each field broke (JSON path → messages).</summary>
public sealed record ProjectChange(Project? Project, IDictionary<string, string[]>? Errors);

/// <summary>
/// Creating and changing projects, for the admin API and the dashboard alike: both hand in the same JSON body and get
/// the same rules and messages back, so whatever one can do the other can.
/// </summary>
public sealed class ProjectAdmin(ProjectStore projects, EnqueueSchema schema, IOptions<SecurityOptions> security, TimeProvider clock)
{
    public async Task<ProjectChange> CreateAsync(JsonElement body, CancellationToken cancellationToken)
    {
        var (checkedBody, errors) = Check(body, forUpdate: false);
        if (errors is not null) return new ProjectChange(null, errors);
        var project = await projects.CreateAsync((string)checkedBody!["name"]!, Apply(null, checkedBody), cancellationToken);
        return new ProjectChange(project, null);
    }

    public async Task<ProjectChange> UpdateAsync(Project project, JsonElement body, CancellationToken cancellationToken)
    {
        var (checkedBody, errors) = Check(body, forUpdate: true);
        if (errors is not null) return new ProjectChange(null, errors);
        var b = checkedBody!;
        project = project with { Name = (string?)b["name"] ?? project.Name, Config = Apply(project.Config, b) };
        if ((bool?)b["rotateWebhookSecret"] == true)
        {
            var overlap = TimeSpan.FromHours((long?)b["previousSecretValidHours"] ?? 24);
            project = project with
            {
                PreviousWebhookSecret = project.WebhookSecret,
                PreviousSecretExpiresAt = clock.GetUtcNow() + overlap,
                WebhookSecret = WebhookSecret.New(),
            };
        }
        if ((bool?)b["incomingContentEndpointEnabled"] == true || b["incomingContentEndpointUrl"] is not null)
            project = project with { IncomingDisabledAt = null };
        return new ProjectChange(await projects.UpdateAsync(project, cancellationToken), null);
    }

    (JsonObject? Body, IDictionary<string, string[]>? Errors) Check(JsonElement body, bool forUpdate)
    {
        var checkedBody = ProjectRules.Create(security.Value.AllowPrivateNetworkEndpoints, schema, forUpdate).CheckBody(body, out var errors);
        return checkedBody is null ? (null, errors) : (checkedBody, null);
    }

    /// <summary>A checked project body applied over the current settings (null when creating): the API, the pages and the command line alike.</summary>
    internal static ProjectConfig Apply(ProjectConfig? current, JsonObject body)
    {
        var rate = body["rateLimit"] as JsonObject;
        var currentRate = current?.RateLimit ?? new RateLimit();
        return new ProjectConfig
        {
            ProfileEndpointUrl = (string?)body["profileEndpointUrl"] ?? current!.ProfileEndpointUrl,
            ChatHistoryEndpointUrl = (string?)body["chatHistoryEndpointUrl"] ?? current!.ChatHistoryEndpointUrl,
            IncomingContentEndpointUrl = (string?)body["incomingContentEndpointUrl"] ?? current!.IncomingContentEndpointUrl,
            CustomHeaders = body["customHeaders"] is JsonObject headers
                ? headers.ToDictionary(h => h.Key, h => (string)h.Value!, StringComparer.OrdinalIgnoreCase)
                : current?.CustomHeaders ?? new(StringComparer.OrdinalIgnoreCase),
            EndpointBearerToken = body["endpointBearerToken"] is JsonValue token
                ? ((string)token! is { Length: > 0 } t ? t : null) : current?.EndpointBearerToken,
            DefaultReplyParameters = body["defaultReplyParameters"] is JsonObject defaults
                ? (JsonObject)defaults.DeepClone() : current?.DefaultReplyParameters ?? [],
            SmartShareEnabled = (bool?)body["smartShareEnabled"] ?? current?.SmartShareEnabled ?? false,
            AiDisclosurePolicy = Projects.AiDisclosurePolicy.Normalize((string?)body["aiDisclosurePolicy"] ?? current?.AiDisclosurePolicy),
            MemoryEnabled = (bool?)body["memoryEnabled"] ?? current?.MemoryEnabled ?? true,
            MemoryWebhookUrl = body["memoryWebhookUrl"] is JsonValue memoryUrl
                ? ((string)memoryUrl! is { Length: > 0 } u ? u : null) : current?.MemoryWebhookUrl,
            MemoryWebhookCustomHeaders = body["memoryWebhookCustomHeaders"] is JsonObject memoryHeaders
                ? memoryHeaders.ToDictionary(h => h.Key, h => (string)h.Value!, StringComparer.OrdinalIgnoreCase)
                : current?.MemoryWebhookCustomHeaders ?? new(StringComparer.OrdinalIgnoreCase),
            MemoryWebhookMode = (string?)body["memoryWebhookMode"] ?? current?.MemoryWebhookMode ?? MemoryWebhookModes.FullState,
            RateLimit = new RateLimit
            {
                RequestsPerSecond = (double?)rate?["requestsPerSecond"] ?? currentRate.RequestsPerSecond,
                Burst = (int?)(long?)rate?["burst"] ?? currentRate.Burst,
            },
        };
    }
}
