using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Http.Validation;

namespace DumGum.Conversations;

/// <summary>
/// The body of <c>POST …/conversations/generate</c> (docs/behaviour.md, "Synchronous endpoints"): the enqueue body with the two profiles inline
/// instead of their ids, and the chat history (the Chat History endpoint's Message[], docs/behaviour.md, "Profiles and history", newest or compat
/// shape) inline too. <c>replyParameters</c> and <c>tags</c> follow the enqueue rules exactly.
/// </summary>
public sealed class GenerateSchema
{
    public const int MaxMessages = 1000;

    readonly ObjectRule root;

    public GenerateSchema(EnqueueSchema enqueue)
    {
        ArgumentNullException.ThrowIfNull(enqueue);
        var message = new ObjectRule(
            new Field("id", OpaqueTextRule.Instance),
            new Field("sender", new EnumRule(["USER", "PERSONA"]), Required: true),
            new Field("date", DateTimeRule.Instance, Required: true),
            new Field("text", new TextRule(InlineRules.MaxTextLength)),
            new Field("pictureUrls", new ArrayRule(new StringRule(1, 2048), 50)),
            new Field("poke", BoolRule.Instance),
            new Field("gifts", new ArrayRule(new ObjectRule(
                new Field("name", new TextRule(500)),
                new Field("tier", new TextRule(64))), 50)),
            new Field("sticker", new TextRule(1000)),
            new Field("type", new EnumRule(["TEXT", "ACTION_POKE"])));     // compat shape (docs/behaviour.md, "Profiles and history")
        root = new ObjectRule(
            new Field("userProfile", ProfileRule.Instance, Required: true),
            new Field("personaProfile", ProfileRule.Instance, Required: true),
            new Field("messages", new ArrayRule(message, MaxMessages)),
            new Field("language", EnqueueSchema.Language, Required: true),
            new Field("additionalLanguages", new ArrayRule(EnqueueSchema.Language, 26)),
            new Field("replyParameters", enqueue.ReplyParameters),
            new Field("tags", new TagsRule()),
            new Field("testMode", BoolRule.Instance));
    }

    public GenerateRequest? Validate(JsonElement body, out JsonRule.Errors errors)
    {
        if (root.CheckBody(body, out errors) is not { } canonical) return null;
        var user = InlineProfile(canonical, "userProfile", errors);
        var persona = InlineProfile(canonical, "personaProfile", errors);
        if (user is null || persona is null) return null;
        var skipped = new List<string>();
        var history = HistoryMessage.ParseAll(canonical["messages"] as JsonArray ?? [], skipped);
        foreach (var reason in skipped) errors.Add("messages", reason);     // not expected after validation
        if (errors.Count > 0) return null;

        // The same settings an enqueue for this pair would carry, so the reply is composed exactly as for enqueue.
        var settings = new JsonObject
        {
            ["userProfileId"] = user.Id,
            ["personaProfileId"] = persona.Id,
            ["language"] = canonical["language"]!.DeepClone(),
        };
        foreach (var name in (string[])["additionalLanguages", "tags", "testMode", "replyParameters"])
            if (canonical[name] is { } v) settings[name] = v.DeepClone();
        return new GenerateRequest(user, persona, history, EnqueueRequest.From(settings));
    }

    /// <summary>Reads a profile the <see cref="ProfileRule"/> accepted; its own id is the expected one.</summary>
    internal static CustomerProfile? InlineProfile(JsonObject canonical, string field, JsonRule.Errors errors)
    {
        var raw = canonical[field]!.AsObject();
        var profile = CustomerProfile.Parse(raw, (string?)raw["id"] ?? "", out var problem);
        if (profile is null) errors.Add(field, problem ?? "is not a usable profile");
        return profile;
    }
}

/// <summary>
/// A validated generate request: both profiles, the history in date order, and the settings as an
/// <see cref="EnqueueRequest"/> for the pair (language, additional languages, tags, test mode, reply parameters).
/// </summary>
public sealed record GenerateRequest(
    CustomerProfile User,
    CustomerProfile Persona,
    IReadOnlyList<HistoryMessage> History,
    EnqueueRequest Settings);
