using System.Text.Json.Nodes;

namespace DumGum.Projects;

/// <summary>The settings an operator edits; stored as one JSON document per project.</summary>
public sealed record ProjectConfig
{
    public required string ProfileEndpointUrl { get; init; }
    public required string ChatHistoryEndpointUrl { get; init; }
    public required string IncomingContentEndpointUrl { get; init; }
    /// <summary>Sent on every call to the customer (GETs and event POSTs).</summary>
    public Dictionary<string, string> CustomHeaders { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>
    /// Sent as <c>Authorization: Bearer …</c> on every call to the customer (it wins over a custom Authorization
    /// header). Write-only: API answers say only whether one is set and how it ends.
    /// </summary>
    public string? EndpointBearerToken { get; init; }
    /// <summary>Project defaults for <c>replyParameters</c>: a request's non-null value wins over these.</summary>
    public JsonObject DefaultReplyParameters { get; init; } = [];
    public RateLimit RateLimit { get; init; } = new();
    /// <summary>Smart Share: the persona may share one of the request's <c>shareablePictures</c> (docs/behaviour.md, "Replies", Smart Share).</summary>
    public bool SmartShareEnabled { get; init; }
    /// <summary>
    /// <c>never</c> (default), <c>when-asked-sincerely</c> or <c>always-on-first-message</c>: whether the persona says it is
    /// an AI, over "stay in character" (docs/behaviour.md, "AI disclosure"; <see cref="Projects.AiDisclosurePolicy"/>).
    /// </summary>
    public string AiDisclosurePolicy { get; init; } = Projects.AiDisclosurePolicy.Never;
    /// <summary>Long-term memory (docs/memory.md): facts are extracted after each reply, stored per pair and used in prompts.</summary>
    public bool MemoryEnabled { get; init; } = true;
    /// <summary>Receives <c>memory.updated</c> / <c>memory.changed</c> when a pair's memory changed; null sends nothing.</summary>
    public string? MemoryWebhookUrl { get; init; }
    /// <summary>Sent on every memory webhook call (instead of <see cref="CustomHeaders"/>, which belong to the three endpoints).</summary>
    public Dictionary<string, string> MemoryWebhookCustomHeaders { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary><see cref="MemoryWebhookModes"/>: FULL_STATE (default) or CHANGES_ONLY.</summary>
    public string MemoryWebhookMode { get; init; } = MemoryWebhookModes.FullState;
}

public sealed record RateLimit
{
    public double RequestsPerSecond { get; init; } = 200;
    public int Burst { get; init; } = 1000;
}

public sealed record Project(
    string Id,
    string Name,
    ProjectConfig Config,
    string WebhookSecret,
    string? PreviousWebhookSecret,
    DateTimeOffset? PreviousSecretExpiresAt,
    DateTimeOffset? IncomingDisabledAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The secrets that sign an event now: the current one, plus the previous during a rotation's overlap.</summary>
    public IEnumerable<string> SigningSecrets(DateTimeOffset now)
    {
        yield return WebhookSecret;
        if (PreviousWebhookSecret is not null && PreviousSecretExpiresAt > now) yield return PreviousWebhookSecret;
    }
}
