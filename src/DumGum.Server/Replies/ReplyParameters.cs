using System.Text.Json.Nodes;

namespace DumGum.Replies;

public sealed record ShareablePicture(string Id, string Url, string? Caption);

/// <summary>
/// A typed view of the merged <c>replyParameters</c> (request over project defaults over built-in defaults,
/// docs/behaviour.md, "Requests and errors"). Input is the canonical object produced by validation, so values are already in range.
/// </summary>
public sealed record ReplyParameters
{
    public string ChatModel { get; init; } = Models.GenerationOptions.DefaultChatModel;
    public bool? EnableSexualTextContent { get; init; }
    public bool FixedResponseLength { get; init; }
    /// <summary>SHORT | MEDIUM | LONG, or null (the persona's own habit).</summary>
    public string? SentenceLength { get; init; }
    public string? MessageLength { get; init; }
    /// <summary>Free text or a named personality (SUPPORTIVE, PLAYFUL, …).</summary>
    public string? PersonaPersonality { get; init; }
    public bool GeneratePersonality { get; init; }
    public IReadOnlyList<ShareablePicture> ShareablePictures { get; init; } = [];
    public double? ProfileDistance { get; init; }
    /// <summary>NONE | RARE | OCCASIONAL | FREQUENT, or null.</summary>
    public string? Emojis { get; init; }
    /// <summary>NONE | LOW | MEDIUM | HIGH, or null.</summary>
    public string? FluencyDegradation { get; init; }
    public bool MultipleMessagesPerReply { get; init; }
    public double MultipleMessagesPerReplyFrequency { get; init; } = 0.5;
    public double? QuestionFrequency { get; init; }
    /// <summary>INSTANT | FAST | NORMAL.</summary>
    public string ReplyTypingDelay { get; init; } = "INSTANT";
    public string? IcebreakerType { get; init; }
    /// <summary>ICEBREAKER | NUDGE | REVIVE | AUTO, or null for a normal reply.</summary>
    public string? Engage { get; init; }
    public bool DisableSafetyFeatures { get; init; }
    public bool PreventAggressiveTone { get; init; }
    /// <summary>Shallow overrides of persona traits (e.g. <c>sexualDrive</c>).</summary>
    public JsonObject PersonaProfileOverrides { get; init; } = [];
    public bool UserProfilePictureAnalysis { get; init; }
    public bool PersonaProfilePictureAnalysis { get; init; }
    public bool SharedPicturesAnalysis { get; init; }
    public bool ShareablePicturesAnalysis { get; init; }
    /// <summary>DEFAULT_MODE | DEFERRED_MEETING | CHAT_ONLY.</summary>
    public string MeetingPolicy { get; init; } = "DEFAULT_MODE";
    public bool FictionalDisclosure { get; init; }
    /// <summary>The guardrails object as sent (switch and option set per guardrail); interpreted by the guardrail feature.</summary>
    public JsonObject Guardrails { get; init; } = [];

    public static ReplyParameters From(JsonObject p)
    {
        var vision = p["vision"] as JsonObject;
        return new ReplyParameters
        {
            ChatModel = (string?)p["chatModel"] ?? Models.GenerationOptions.DefaultChatModel,
            EnableSexualTextContent = (bool?)p["enableSexualTextContent"],
            FixedResponseLength = (bool?)p["fixedResponseLength"] ?? false,
            SentenceLength = (string?)p["sentenceLength"],
            MessageLength = (string?)p["messageLength"],
            PersonaPersonality = (string?)p["personaPersonality"],
            GeneratePersonality = (bool?)p["generatePersonality"] ?? false,
            ShareablePictures = p["shareablePictures"] is JsonArray pictures
                ? pictures.OfType<JsonObject>().Select(x => new ShareablePicture((string)x["id"]!, (string)x["url"]!, (string?)x["caption"])).ToList()
                : [],
            ProfileDistance = (double?)p["profileDistance"],
            Emojis = (string?)p["emojis"],
            FluencyDegradation = (string?)p["fluencyDegradation"],
            MultipleMessagesPerReply = (bool?)p["multipleMessagesPerReply"] ?? false,
            MultipleMessagesPerReplyFrequency = (double?)p["multipleMessagesPerReplyFrequency"] ?? 0.5,
            QuestionFrequency = (double?)p["questionFrequency"],
            ReplyTypingDelay = (string?)p["replyTypingDelay"] ?? "INSTANT",
            IcebreakerType = (string?)p["icebreakerType"],
            Engage = (string?)p["engage"],
            DisableSafetyFeatures = (bool?)p["disableSafetyFeatures"] ?? false,
            PreventAggressiveTone = (bool?)p["preventAggressiveTone"] ?? false,
            PersonaProfileOverrides = p["personaProfileOverrides"] as JsonObject is { } o ? (JsonObject)o.DeepClone() : [],
            UserProfilePictureAnalysis = (bool?)vision?["userProfilePictureAnalysis"] ?? false,
            PersonaProfilePictureAnalysis = (bool?)vision?["personaProfilePictureAnalysis"] ?? false,
            SharedPicturesAnalysis = (bool?)vision?["sharedPicturesAnalysis"] ?? false,
            ShareablePicturesAnalysis = (bool?)vision?["shareablePicturesAnalysis"] ?? false,
            MeetingPolicy = (string?)p["meetingPolicy"] ?? "DEFAULT_MODE",
            FictionalDisclosure = (bool?)p["fictionalDisclosure"] ?? false,
            Guardrails = p["guardrails"] as JsonObject is { } g ? (JsonObject)g.DeepClone() : [],
        };
    }
}
