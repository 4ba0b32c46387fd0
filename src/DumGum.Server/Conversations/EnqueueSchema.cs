using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Http.Validation;

namespace DumGum.Conversations;

/// <summary>The documented enqueue body and every <c>replyParameters</c> field, with our ranges (docs/behaviour.md, "Requests and errors").</summary>
public sealed class EnqueueSchema
{
    public static readonly string[] Languages =
    [
        "EN", "EN_GB", "FR", "FR_BE", "RO", "NL", "ES", "DE", "DE_CH", "DE_AT", "IT", "ES_LATAM", "BG", "HE", "JA", "NL_BE",
        "EN_AU", "PT_PT", "PT_BR", "SV_SE", "DA_DK", "FI_FI", "PL_PL", "LT_LT", "NB_NO", "NN_NO",
    ];

    /// <summary>The 26 language values, with the <c>EN_UK</c> alias: it appears in one documentation page and means <c>EN_GB</c>.</summary>
    public static readonly EnumRule Language = new(Languages, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["EN_UK"] = "EN_GB" });

    public const int MaxBodyBytes = 256 * 1024;

    readonly ObjectRule root;

    public EnqueueSchema(IReadOnlyList<string> chatModels)
    {
        var length = new EnumRule(["SHORT", "MEDIUM", "LONG"]);
        var optionSet = new ObjectRule(
            new Field("answer", BoolRule.Instance),
            new Field("banDurations", new ArrayRule(new IntegerRule(0, 5_256_000, allowNumericString: false), 20)));
        string[] guards = ["maliciousContent", "aiSuspicion", "underageDetection", "unknownLanguage", "messageRepetition",
            "prohibitedIllegalContent", "dangerousDrugUse"];
        // selfHarm is our addition (docs/behaviour.md, "Self-harm"); its option set has the same shape, banDurations ignored.
        var guardrails = new ObjectRule(guards.Append("selfHarm")
            .SelectMany(g => new[] { new Field(g, BoolRule.Instance), new Field(g + "OptionSet", optionSet) }).ToArray());
        var replyParameters = new ObjectRule(
            new Field("chatModel", new EnumRule(chatModels)),
            new Field("bufferSeconds", new IntegerRule(0, 60)),
            new Field("maxProcessingTimeSeconds", new IntegerRule(10, 3600)),
            new Field("enableSexualTextContent", BoolRule.Instance),
            new Field("fixedResponseLength", BoolRule.Instance),
            new Field("sentenceLength", length),
            new Field("messageLength", length),
            new Field("personaPersonality", new StringRule(1, 500)),
            new Field("generatePersonality", BoolRule.Instance),
            new Field("shareablePictures", new ArrayRule(new ObjectRule(
                new Field("id", new StringRule(1, 256), Required: true),
                new Field("url", new StringRule(1, 2048), Required: true),
                new Field("caption", new StringRule(0, 1000))), 50)),
            new Field("profileDistance", new NumberRule(0, 40_075)),
            new Field("emojis", new EnumRule(["NONE", "RARE", "OCCASIONAL", "FREQUENT"])),
            new Field("fluencyDegradation", new EnumRule(["NONE", "LOW", "MEDIUM", "HIGH"])),
            new Field("multipleMessagesPerReply", BoolRule.Instance),
            new Field("multipleMessagesPerReplyFrequency", new NumberRule(0, 1)),
            new Field("questionFrequency", new NumberRule(0, 1)),
            new Field("replyTypingDelay", new EnumRule(["INSTANT", "NORMAL", "FAST"])),
            new Field("icebreakerType", new EnumRule(["AUTO", "NO_PHOTO", "MISSING_DETAIL", "MUCH_YOUNGER", "MUCH_OLDER",
                "NEARBY", "GENERIC", "USER_ONLINE", "USER_OFFLINE", "JUST_JOINED"])),
            new Field("engage", new EnumRule(["ICEBREAKER", "NUDGE", "REVIVE", "AUTO"])),
            new Field("disableSafetyFeatures", BoolRule.Instance),
            new Field("guardrails", guardrails),
            new Field("preventAggressiveTone", BoolRule.Instance),
            new Field("personaProfileOverrides", new ObjectRule(
                new Field("sexualDrive", new EnumRule(["VERY_LOW", "LOW", "MEDIUM", "HIGH", "VERY_HIGH"])))),
            new Field("vision", new ObjectRule(
                new Field("userProfilePictureAnalysis", BoolRule.Instance),
                new Field("personaProfilePictureAnalysis", BoolRule.Instance),
                new Field("sharedPicturesAnalysis", BoolRule.Instance),
                new Field("shareablePicturesAnalysis", BoolRule.Instance))),
            new Field("meetingPolicy", new EnumRule(["DEFAULT_MODE", "DEFERRED_MEETING", "CHAT_ONLY"])),
            new Field("fictionalDisclosure", BoolRule.Instance));
        ReplyParameters = replyParameters;
        root = new ObjectRule(
            new Field("userProfileId", new StringRule(1, 128), Required: true),
            new Field("personaProfileId", new StringRule(1, 128), Required: true),
            new Field("language", Language, Required: true),
            new Field("additionalLanguages", new ArrayRule(Language, 26)),
            new Field("userProfileVersion", OpaqueTextRule.Instance),
            new Field("personaProfileVersion", OpaqueTextRule.Instance),
            new Field("tags", new TagsRule()),
            new Field("testMode", BoolRule.Instance),
            new Field("replyParameters", replyParameters));
    }

    /// <summary>The <c>replyParameters</c> rule alone, also used for project defaults.</summary>
    public ObjectRule ReplyParameters { get; }

    public EnqueueRequest? Validate(JsonElement body, out JsonRule.Errors errors) =>
        root.CheckBody(body, out errors) is { } canonical ? EnqueueRequest.From(canonical) : null;
}

/// <summary>A validated enqueue, in canonical form; <see cref="Canonical"/> is what we store with the request.</summary>
public sealed record EnqueueRequest(
    string UserProfileId,
    string PersonaProfileId,
    string Language,
    string? UserProfileVersion,
    string? PersonaProfileVersion,
    JsonObject Tags,
    bool TestMode,
    JsonObject ReplyParameters,
    JsonObject Canonical)
{
    public static EnqueueRequest From(JsonObject c) => new(
        (string)c["userProfileId"]!,
        (string)c["personaProfileId"]!,
        (string)c["language"]!,
        (string?)c["userProfileVersion"],
        (string?)c["personaProfileVersion"],
        c["tags"] as JsonObject ?? [],
        (bool?)c["testMode"] ?? false,
        c["replyParameters"] as JsonObject ?? [],
        c);

    public static EnqueueRequest Parse(string storedJson) => From(JsonNode.Parse(storedJson)!.AsObject());
}
