using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Replies;

namespace DumGum.Guardrails;

/// <summary>
/// The conversation stop reasons (<c>Answer.conversationStopReason</c>, docs/behaviour.md, "Guardrails, stop reasons and bans"). We emit the canonical
/// spellings only and accept the older ones on input (<c>AI_SUSPICIOUS</c>, <c>UNDERAGE_USER</c>, the older spellings).
/// </summary>
public static class StopReasons
{
    public const string UserUnderage = "USER_UNDERAGE";
    public const string MaliciousContent = "MALICIOUS_CONTENT";
    public const string UserSuspicious = "USER_SUSPICIOUS";
    public const string UserHostile = "USER_HOSTILE";
    public const string AiSuspicion = "AI_SUSPICION";
    public const string UserMessageRepetition = "USER_MESSAGE_REPETITION";
    public const string UnknownLanguage = "UNKNOWN_LANGUAGE";

    /// <summary>
    /// Every canonical reason, strongest first. This is the order in which <see cref="GuardrailPolicy"/> picks the one
    /// reason to apply when several guardrails fire on the same messages, and the tie-break between bans of equal strength.
    /// </summary>
    public static readonly IReadOnlyList<string> Priority =
        [UserUnderage, MaliciousContent, UserSuspicious, UserHostile, AiSuspicion, UserMessageRepetition, UnknownLanguage];

    /// <summary>The default progressive ladder in minutes: 2 h → 12 h → 24 h → 48 h, then permanent (docs/behaviour.md, "Guardrails, stop reasons and bans").</summary>
    public static readonly IReadOnlyList<int> ProgressiveLadder = [120, 720, 1440, 2880];

    static readonly Dictionary<string, string> Spellings = new(StringComparer.OrdinalIgnoreCase)
    {
        [UserUnderage] = UserUnderage,
        ["UNDERAGE_USER"] = UserUnderage,
        [MaliciousContent] = MaliciousContent,
        [UserSuspicious] = UserSuspicious,
        [UserHostile] = UserHostile,
        [AiSuspicion] = AiSuspicion,
        ["AI_SUSPICIOUS"] = AiSuspicion,
        [UserMessageRepetition] = UserMessageRepetition,
        [UnknownLanguage] = UnknownLanguage,
    };

    /// <summary>The canonical spelling of a stop reason given in any accepted spelling (case-insensitive); false if unknown.</summary>
    public static bool TryCanonicalize(string? value, out string canonical)
    {
        canonical = "";
        if (value is null || !Spellings.TryGetValue(value.Trim(), out var c)) return false;
        canonical = c;
        return true;
    }

    /// <summary>The canonical spelling; throws <see cref="ArgumentException"/> for an unknown reason.</summary>
    public static string Canonicalize(string value) =>
        TryCanonicalize(value, out var c) ? c : throw new ArgumentException($"'{value}' is not a conversation stop reason.", nameof(value));

    /// <summary>Reasons whose ban is permanent from the first offence by default.</summary>
    public static bool IsPermanentByDefault(string reason) =>
        Canonicalize(reason) is UserUnderage or UserSuspicious or MaliciousContent;

    /// <summary>The built-in ban ladder of a reason: empty (= permanent at once) or <see cref="ProgressiveLadder"/>.</summary>
    public static IReadOnlyList<int> DefaultBanDurations(string reason) => IsPermanentByDefault(reason) ? [] : ProgressiveLadder;

    /// <summary>Position in <see cref="Priority"/> (0 = strongest); unknown reasons sort last.</summary>
    public static int Rank(string reason)
    {
        if (!TryCanonicalize(reason, out var c)) return int.MaxValue;
        for (var i = 0; i < Priority.Count; i++)
            if (Priority[i] == c) return i;
        return int.MaxValue;
    }
}

/// <summary>Names of the guardrails: the seven documented switches of <c>replyParameters.guardrails</c> and our two always-on ones.</summary>
public static class GuardrailNames
{
    public const string UnderageDetection = "underageDetection";
    public const string MaliciousContent = "maliciousContent";
    public const string ProhibitedIllegalContent = "prohibitedIllegalContent";
    public const string DangerousDrugUse = "dangerousDrugUse";
    /// <summary>Always on unless <c>disableSafetyFeatures</c>: attempts to hijack or manipulate the persona → USER_SUSPICIOUS.</summary>
    public const string Hijack = "hijack";
    /// <summary>Always on unless <c>disableSafetyFeatures</c>: aggression towards the persona → USER_HOSTILE.</summary>
    public const string Hostility = "hostility";
    public const string AiSuspicion = "aiSuspicion";
    public const string MessageRepetition = "messageRepetition";
    public const string UnknownLanguage = "unknownLanguage";

    /// <summary>The seven documented switches (docs/behaviour.md, "Guardrails, stop reasons and bans"), each with a <c>&lt;name&gt;OptionSet</c>.</summary>
    public static readonly IReadOnlyList<string> Documented =
        [MaliciousContent, AiSuspicion, UnderageDetection, UnknownLanguage, MessageRepetition, ProhibitedIllegalContent, DangerousDrugUse];

    /// <summary>Every guardrail in evaluation priority order (the order of their stop reasons in <see cref="StopReasons.Priority"/>).</summary>
    public static readonly IReadOnlyList<string> All =
        [UnderageDetection, MaliciousContent, ProhibitedIllegalContent, DangerousDrugUse, Hijack, Hostility, AiSuspicion, MessageRepetition, UnknownLanguage];

    /// <summary>The stop reason a guardrail produces (docs/behaviour.md, "Guardrails, stop reasons and bans").</summary>
    public static string StopReasonOf(string guardrail) => guardrail switch
    {
        UnderageDetection => StopReasons.UserUnderage,
        MaliciousContent or ProhibitedIllegalContent or DangerousDrugUse => StopReasons.MaliciousContent,
        Hijack => StopReasons.UserSuspicious,
        Hostility => StopReasons.UserHostile,
        AiSuspicion => StopReasons.AiSuspicion,
        MessageRepetition => StopReasons.UserMessageRepetition,
        UnknownLanguage => StopReasons.UnknownLanguage,
        _ => throw new ArgumentException($"'{guardrail}' is not a guardrail.", nameof(guardrail)),
    };

    /// <summary>Default of a switch: unknown language and dangerous drug use off, everything else on (docs/behaviour.md, "Guardrails, stop reasons and bans").</summary>
    public static bool DefaultEnabled(string guardrail) => guardrail is not (UnknownLanguage or DangerousDrugUse);
}

/// <summary>
/// One guardrail's effective setting: whether it runs, whether the triggering message still gets an in-character reply
/// (<see cref="Answer"/>; false → the answer carries the stop reason with <c>text: null</c>), and its ban ladder in minutes
/// for the 1st, 2nd, … offence (past the end, or a 0 entry → permanent; empty → permanent at the first offence).
/// </summary>
public sealed record GuardrailRule(string Name, string StopReason, bool Enabled, bool Answer, IReadOnlyList<int> BanDurations)
{
    public static GuardrailRule Default(string name) =>
        new(name, GuardrailNames.StopReasonOf(name), GuardrailNames.DefaultEnabled(name), true,
            StopReasons.DefaultBanDurations(GuardrailNames.StopReasonOf(name)));
}

/// <summary>
/// The effective guardrail settings of one run, resolved from the merged <see cref="ReplyParameters"/> (request over
/// project defaults over built-in defaults). The seven documented switches come from <c>guardrails</c>
/// (<c>&lt;switch&gt;</c> boolean + <c>&lt;switch&gt;OptionSet {answer, banDurations}</c>); absent or null values take the
/// built-in defaults. <c>hijack</c> and <c>hostility</c> are on unless <c>disableSafetyFeatures</c> is true; their option
/// sets are the defaults (an optional <c>hijackOptionSet</c>/<c>hostilityOptionSet</c> in the object is honoured).
/// <c>selfHarm</c> (our addition, docs/behaviour.md, "Self-harm") is on unless <c>guardrails.selfHarm</c> is false; it never stops a conversation.
/// </summary>
public sealed record GuardrailSettings
{
    public required GuardrailRule UnderageDetection { get; init; }
    public required GuardrailRule MaliciousContent { get; init; }
    public required GuardrailRule ProhibitedIllegalContent { get; init; }
    public required GuardrailRule DangerousDrugUse { get; init; }
    public required GuardrailRule Hijack { get; init; }
    public required GuardrailRule Hostility { get; init; }
    public required GuardrailRule AiSuspicion { get; init; }
    public required GuardrailRule MessageRepetition { get; init; }
    public required GuardrailRule UnknownLanguage { get; init; }
    /// <summary>The persona answers self-harm talk with care and the run reports it; never a stop reason.</summary>
    public bool SelfHarm { get; init; } = true;
    /// <summary>
    /// <c>selfHarmOptionSet.answer</c> (default true): the care reply with a helpline is sent; false → the answer carries
    /// <c>text: null</c> (the operator's app takes over). Its <c>banDurations</c> are accepted and ignored: self-harm never bans.
    /// </summary>
    public bool SelfHarmAnswer { get; init; } = true;
    /// <summary>The project's <c>aiDisclosurePolicy</c> (<see cref="Projects.AiDisclosurePolicy"/>); set by the caller, not by reply parameters.</summary>
    public string AiDisclosure { get; init; } = Projects.AiDisclosurePolicy.Never;
    /// <summary>With <see cref="AiSuspicion"/> enabled, a first authenticity probe gets the fictional-profile disclosure instead of a stop.</summary>
    public bool FictionalDisclosure { get; init; }

    /// <summary>Every rule in evaluation priority order (<see cref="GuardrailNames.All"/>).</summary>
    public IReadOnlyList<GuardrailRule> Rules =>
        [UnderageDetection, MaliciousContent, ProhibitedIllegalContent, DangerousDrugUse, Hijack, Hostility, AiSuspicion, MessageRepetition, UnknownLanguage];

    /// <summary>The rule of a guardrail by name (<see cref="GuardrailNames"/>).</summary>
    public GuardrailRule this[string name] =>
        Rules.FirstOrDefault(r => r.Name == name) ?? throw new ArgumentException($"'{name}' is not a guardrail.", nameof(name));

    /// <summary>Built-in defaults: everything on except unknown language and drug use; answer true; default ladders.</summary>
    public static GuardrailSettings Default { get; } = From(null, disableSafetyFeatures: false, fictionalDisclosure: false);

    public static GuardrailSettings From(ReplyParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return From(parameters.Guardrails, parameters.DisableSafetyFeatures, parameters.FictionalDisclosure);
    }

    /// <summary>Resolves the settings from a <c>guardrails</c> object (may be null or empty) and the two related switches.</summary>
    public static GuardrailSettings From(JsonObject? guardrails, bool disableSafetyFeatures, bool fictionalDisclosure)
    {
        GuardrailRule Switch(string name) => Resolve(guardrails, name, Bool(guardrails, name) ?? GuardrailNames.DefaultEnabled(name));
        GuardrailRule SafetyFeature(string name) => Resolve(guardrails, name, !disableSafetyFeatures);
        return new GuardrailSettings
        {
            UnderageDetection = Switch(GuardrailNames.UnderageDetection),
            MaliciousContent = Switch(GuardrailNames.MaliciousContent),
            ProhibitedIllegalContent = Switch(GuardrailNames.ProhibitedIllegalContent),
            DangerousDrugUse = Switch(GuardrailNames.DangerousDrugUse),
            Hijack = SafetyFeature(GuardrailNames.Hijack),
            Hostility = SafetyFeature(GuardrailNames.Hostility),
            AiSuspicion = Switch(GuardrailNames.AiSuspicion),
            MessageRepetition = Switch(GuardrailNames.MessageRepetition),
            UnknownLanguage = Switch(GuardrailNames.UnknownLanguage),
            SelfHarm = Bool(guardrails, "selfHarm") ?? true,
            SelfHarmAnswer = Bool(Property(guardrails, "selfHarmOptionSet") as JsonObject, "answer") ?? true,
            FictionalDisclosure = fictionalDisclosure,
        };
    }

    static GuardrailRule Resolve(JsonObject? guardrails, string name, bool enabled)
    {
        var rule = GuardrailRule.Default(name) with { Enabled = enabled };
        if (Property(guardrails, name + "OptionSet") is not JsonObject options) return rule;
        if (Bool(options, "answer") is { } answer) rule = rule with { Answer = answer };
        if (Property(options, "banDurations") is JsonArray durations)
        {
            var list = new List<int>(durations.Count);
            foreach (var d in durations)
                if (d is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var minutes))
                    list.Add(minutes <= 0 ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(minutes)));
            rule = rule with { BanDurations = list };
        }
        return rule;
    }

    /// <summary>Property lookup that prefers the exact name and falls back to a case-insensitive match (names are matched liberally).</summary>
    static JsonNode? Property(JsonObject? o, string name)
    {
        if (o is null) return null;
        if (o.TryGetPropertyValue(name, out var exact)) return exact;
        foreach (var (key, value) in o)
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }

    static bool? Bool(JsonObject? o, string name) => Property(o, name) is JsonValue v
        ? v.GetValueKind() switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null }
        : null;
}
