using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Projects;

namespace DumGum.Admin;

// The admin API's bodies as the OpenAPI document describes them. Responses are these types themselves, so the
// document cannot drift from what is sent; requests are validated from the raw JSON (ProjectRules), and these types
// only describe them. Classes with init properties, so only the `required` members are listed as required.

/// <summary>The settings a project is created with and changed by: all optional, in both requests.</summary>
public abstract class ProjectSettingsDocument
{
    public Dictionary<string, string>? CustomHeaders { get; init; }
    /// <summary>Sent as Authorization: Bearer on every call to the project's endpoints; write-only; "" removes it.</summary>
    public string? EndpointBearerToken { get; init; }
    /// <summary>Defaults for the enqueue's replyParameters, in the same shape.</summary>
    public JsonObject? DefaultReplyParameters { get; init; }
    public RateLimit? RateLimit { get; init; }
    public bool? SmartShareEnabled { get; init; }
    /// <summary><c>never</c> (default), <c>when-asked-sincerely</c> or <c>always-on-first-message</c> (docs/behaviour.md, "AI disclosure").</summary>
    public string? AiDisclosurePolicy { get; init; }
    /// <summary>Long-term memory on or off (default true; docs/memory.md).</summary>
    public bool? MemoryEnabled { get; init; }
    /// <summary>Receives memory.updated / memory.changed; "" removes it.</summary>
    public string? MemoryWebhookUrl { get; init; }
    /// <summary>Headers sent on every memory webhook call (the three endpoints' customHeaders are not).</summary>
    public Dictionary<string, string>? MemoryWebhookCustomHeaders { get; init; }
    /// <summary><c>FULL_STATE</c> (default, memory.updated) or <c>CHANGES_ONLY</c> (memory.changed).</summary>
    public string? MemoryWebhookMode { get; init; }
}

/// <summary>A new project: its name and the three endpoint URLs are required.</summary>
public sealed class ProjectCreateRequest : ProjectSettingsDocument
{
    public required string Name { get; init; }
    public required string ProfileEndpointUrl { get; init; }
    public required string ChatHistoryEndpointUrl { get; init; }
    public required string IncomingContentEndpointUrl { get; init; }
}

/// <summary>A change to a project: only the members sent are changed.</summary>
public sealed class ProjectPatchRequest : ProjectSettingsDocument
{
    public string? Name { get; init; }
    public string? ProfileEndpointUrl { get; init; }
    public string? ChatHistoryEndpointUrl { get; init; }
    public string? IncomingContentEndpointUrl { get; init; }
    /// <summary>True: a new webhook secret; the old one keeps signing for previousSecretValidHours.</summary>
    public bool? RotateWebhookSecret { get; init; }
    public int? PreviousSecretValidHours { get; init; }
    /// <summary>True: send events again to an endpoint disabled after a 410 Gone.</summary>
    public bool? IncomingContentEndpointEnabled { get; init; }
}

public sealed record ProjectResponse(
    string Id,
    string Name,
    string ProfileEndpointUrl,
    string ChatHistoryEndpointUrl,
    string IncomingContentEndpointUrl,
    DateTimeOffset? IncomingContentEndpointDisabledAt,
    Dictionary<string, string> CustomHeaders,
    bool EndpointBearerTokenSet,
    string? EndpointBearerTokenHint,
    JsonObject DefaultReplyParameters,
    RateLimit RateLimit,
    bool SmartShareEnabled,
    string AiDisclosurePolicy,
    bool MemoryEnabled,
    string? MemoryWebhookUrl,
    Dictionary<string, string> MemoryWebhookCustomHeaders,
    string MemoryWebhookMode,
    string WebhookSecret,
    DateTimeOffset? PreviousWebhookSecretExpiresAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ProjectResponse From(Project p) => new(p.Id, p.Name, p.Config.ProfileEndpointUrl, p.Config.ChatHistoryEndpointUrl,
        p.Config.IncomingContentEndpointUrl, p.IncomingDisabledAt, p.Config.CustomHeaders, p.Config.EndpointBearerToken is not null,
        CustomerHeaders.Hint(p.Config.EndpointBearerToken), p.Config.DefaultReplyParameters,
        p.Config.RateLimit, p.Config.SmartShareEnabled, Projects.AiDisclosurePolicy.Normalize(p.Config.AiDisclosurePolicy),
        p.Config.MemoryEnabled, p.Config.MemoryWebhookUrl, p.Config.MemoryWebhookCustomHeaders, p.Config.MemoryWebhookMode, p.WebhookSecret,
        p.PreviousWebhookSecret is null ? null : p.PreviousSecretExpiresAt, p.CreatedAt, p.UpdatedAt);
}

public sealed record ProjectListResponse(IReadOnlyList<ProjectResponse> Items, string? NextAfter);

public sealed class AccessKeyCreateRequest
{
    public required string Name { get; init; }
}

/// <summary>A new key: <c>key</c> is shown this once and never again.</summary>
public sealed record AccessKeyCreatedResponse(string Id, string Name, string Key, string Hint, DateTimeOffset CreatedAt);

public sealed record AccessKeyResponse(string Id, string Name, string Hint, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

public sealed record AccessKeyListResponse(IReadOnlyList<AccessKeyResponse> Items);

public sealed record LogPageResponse(IReadOnlyList<CallLogEntry> Items, long? NextBefore);

/// <summary>An answer as answer.created carried it, with the prompt itemisation of the run that wrote it (null on later parts).</summary>
public sealed record AnswerRecordResponse(Conversations.AnswerDocument Answer, JsonObject? Itemisation);
