using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Conversations;
using DumGum.Customers;
using DumGum.Http.Validation;

namespace DumGum.Suggestions;

/// <summary>ICEBREAKER when the request carries no messages, FOLLOW_UP otherwise (docs/behaviour.md, "Synchronous endpoints").</summary>
public enum SuggestionMode { Icebreaker, FollowUp }

/// <summary>One SuggestionMessage (docs/behaviour.md, "Synchronous endpoints"): <c>role</c> USER (the person the suggestions are for) or PERSONA.</summary>
public sealed record SuggestionMessage(Sender Role, string? Content, DateTimeOffset? CreatedAt);

/// <summary>A validated suggestion request; <see cref="Messages"/> are oldest first.</summary>
public sealed record SuggestionRequest(
    CustomerProfile User,
    CustomerProfile Persona,
    string Language,
    IReadOnlyList<SuggestionMessage> Messages,
    bool TestMode)
{
    public SuggestionMode Mode => Messages.Count == 0 ? SuggestionMode.Icebreaker : SuggestionMode.FollowUp;
}

/// <summary>Three suggestions and where they came from (<c>model</c>, <c>offline</c>, or <c>model+offline</c> when topped up).</summary>
public sealed record SuggestionSet(SuggestionMode Mode, IReadOnlyList<string> Suggestions, string Source)
{
    public static string WireName(SuggestionMode mode) => mode == SuggestionMode.Icebreaker ? "ICEBREAKER" : "FOLLOW_UP";

    /// <summary>The response body: <c>{"mode": …, "suggestions": [{"text": …}, …]}</c>.</summary>
    public JsonObject ToJson() => new()
    {
        ["mode"] = WireName(Mode),
        ["suggestions"] = new JsonArray(Suggestions.Select(s => (JsonNode?)new JsonObject { ["text"] = s }).ToArray()),
    };
}

/// <summary>
/// The body of <c>POST …/suggestion</c>, <c>IcebreakerSuggestionRequest</c> (docs/behaviour.md, "Synchronous endpoints"): both profiles inline
/// (<see cref="ProfileRule"/>, so the compat <c>birthDate</c> and <c>MALE</c>/<c>FEMALE</c> genders pass), the
/// language, the recent messages (<c>role</c> required; <c>content</c> and <c>createdAt</c> optional) and <c>testMode</c>.
/// </summary>
public static class SuggestionSchema
{
    public const int MaxMessages = 1000;

    static readonly ObjectRule Root = new(
        new Field("userProfile", ProfileRule.Instance, Required: true),
        new Field("personaProfile", ProfileRule.Instance, Required: true),
        new Field("language", EnqueueSchema.Language, Required: true),
        new Field("messages", new ArrayRule(new ObjectRule(
            new Field("role", new EnumRule(["USER", "PERSONA"]), Required: true),
            new Field("content", new TextRule(InlineRules.MaxTextLength)),
            new Field("createdAt", DateTimeRule.Instance)), MaxMessages)),
        new Field("testMode", BoolRule.Instance));

    public static SuggestionRequest? Validate(JsonElement body, out JsonRule.Errors errors)
    {
        if (Root.CheckBody(body, out errors) is not { } canonical) return null;
        var user = GenerateSchema.InlineProfile(canonical, "userProfile", errors);
        var persona = GenerateSchema.InlineProfile(canonical, "personaProfile", errors);
        if (user is null || persona is null) return null;

        var messages = new List<SuggestionMessage>();
        if (canonical["messages"] is JsonArray items)
            foreach (var item in items.OfType<JsonObject>())
            {
                DateTimeOffset? createdAt = DateTimeOffset.TryParse((string?)item["createdAt"], System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null;
                messages.Add(new SuggestionMessage((string)item["role"]! == "USER" ? Sender.User : Sender.Persona,
                    (string?)item["content"], createdAt));
            }
        // Sent order is kept unless every message is dated; then date order (stable, so ties keep their position).
        if (messages.Count > 1 && messages.All(m => m.CreatedAt is not null))
            messages = [.. messages.OrderBy(m => m.CreatedAt)];
        return new SuggestionRequest(user, persona, (string)canonical["language"]!, messages, (bool?)canonical["testMode"] ?? false);
    }
}
