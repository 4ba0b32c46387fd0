using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DumGum.Http;
using Microsoft.Extensions.AI;

namespace DumGum.Memory.Extraction;

/// <summary>A message facts may be read from: <c>U1</c>, <c>U2</c>… the user's newest messages, <c>P1</c>… the reply's parts.</summary>
public sealed record MemorySource(string Id, string Target, string Text);

/// <summary>What one extraction call found, what it cost in tokens, and how many of the model's items were refused.</summary>
public sealed record ModelMemoryResult(IReadOnlyList<MemoryCandidate> Facts, long InputTokens, long OutputTokens, int Refused, string? ModelId);

/// <summary>
/// Reads memories with one structured-output model call (docs/memory.md, "Model extraction"). The model sees the
/// messages by id and the pair's stored memories; it answers with items that name their source message, so whose fact
/// it is and its <c>sourceText</c> come from us, never from the model. Every item is checked like an admin edit
/// (snake_case key, known or UPPER_SNAKE category, dates only for <c>EVENT</c>, at most 10 tags); a bad item is
/// refused alone.
/// </summary>
public sealed partial class ModelMemoryExtractor(IChatClient model)
{
    /// <summary>At most this many facts are taken from one call: a runaway answer cannot flood the memory.</summary>
    public const int MaxFacts = 20;

    /// <summary>Stored memories shown to the model (newest first), so it reuses their keys and can say what it replaces.</summary>
    public const int MaxStoredShown = 60;

    public const int MaxDescription = 200;
    const int MaxKey = 120;
    const int MaxTag = 40;

    /// <summary>The single-valued questions a fact may answer; a new answer replaces the old one.</summary>
    public static readonly IReadOnlyList<string> Slots =
        ["name", "age", "birthday", "location", "hometown", "occupation", "employer", "relationship_status"];

    const string Instruction = """
        You maintain the long-term memory of a persona in a dating-app chat. From the new messages, extract durable facts
        that are stated explicitly: facts about the user from the user's messages (ids U1, U2, …) and facts the persona
        claimed about herself or himself from the persona's reply (ids P1, P2, …).
        Rules:
        - Only explicit statements. Not questions, wishes, hypotheticals, jokes, reported speech, or facts about other people.
        - description: English, third person without a subject, at most 12 words ("Works as a nurse", "Has a cat named Luna").
        - uniqueIdentifier: snake_case, starting with "user_" or "persona_" (e.g. "user_works_as_nurse"). Reuse the key of a
          stored memory when the fact is the same or an update of it.
        - replaces: when the fact contradicts a stored memory (moved to another city, changed job), that memory's key; else null.
        - slot: when the fact answers one of these single-valued questions, its name, else null:
          name, age, birthday, location, hometown, occupation, employer, relationship_status.
        - category: one of NAME, NICKNAME, AGE, DATE_OF_BIRTH, GENDER, LOCATION, NATIONALITY, LANGUAGE, RELIGION, CULTURE,
          OCCUPATION, EDUCATION, SKILL, PERSONALITY, APPEARANCE, HEALTH, RELATIONSHIP_STATUS, FOOD_PREFERENCE, PREFERENCE,
          PET, EVENT, OTHER.
        - eventStartDate / eventEndDate: only for EVENT, as yyyy-MM-dd, resolved against "today" (the persona's date); else null.
        - tags: up to 5 lowercase English keywords.
        - source: the id of the message the fact was read from.
        Answer with one JSON object: {"memories": [...]}; {"memories": []} when nothing is stated.
        """;

    /// <summary>The JSON schema of the answer (strict structured output: every member required, nothing else allowed).</summary>
    public static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "memories": {
              "type": "array",
              "items": {
                "type": "object",
                "properties": {
                  "source": { "type": "string" },
                  "uniqueIdentifier": { "type": "string" },
                  "category": { "type": "string" },
                  "description": { "type": "string" },
                  "eventStartDate": { "type": ["string", "null"] },
                  "eventEndDate": { "type": ["string", "null"] },
                  "tags": { "type": "array", "items": { "type": "string" } },
                  "slot": { "type": ["string", "null"] },
                  "replaces": { "type": ["string", "null"] }
                },
                "required": ["source", "uniqueIdentifier", "category", "description", "eventStartDate", "eventEndDate", "tags", "slot", "replaces"],
                "additionalProperties": false
              }
            }
          },
          "required": ["memories"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    /// <summary>
    /// One call. <paramref name="options"/> names the backend model, limits and budget key; its response format is set
    /// here (the schema, or plain JSON mode when <paramref name="strictSchema"/> is off). Failures of the call propagate:
    /// the caller decides the fallback.
    /// </summary>
    public async Task<ModelMemoryResult> ExtractAsync(ChatOptions options, bool strictSchema, IReadOnlyList<MemorySource> sources,
        IReadOnlyList<MemoryItem> stored, DateOnly today, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ResponseFormat = strictSchema
            ? ChatResponseFormat.ForJsonSchema(Schema, "memories", "Facts read from the new messages")
            : ChatResponseFormat.Json;
        var response = await model.GetResponseAsync(Messages(sources, stored, today), options, cancellationToken);
        var (facts, refused) = Parse(response.Text, sources, stored);
        return new ModelMemoryResult(facts, response.Usage?.InputTokenCount ?? 0, response.Usage?.OutputTokenCount ?? 0, refused, response.ModelId);
    }

    public static List<ChatMessage> Messages(IReadOnlyList<MemorySource> sources, IReadOnlyList<MemoryItem> stored, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(stored);
        var input = new JsonObject
        {
            ["today"] = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["stored"] = new JsonArray([.. stored.OrderByDescending(m => m.Timestamp).Take(MaxStoredShown).Select(m => (JsonNode)new JsonObject
            {
                ["uniqueIdentifier"] = m.UniqueIdentifier, ["target"] = m.Target, ["category"] = m.Category, ["description"] = m.Description,
            })]),
            ["messages"] = new JsonArray([.. sources.Select(s => (JsonNode)new JsonObject
            {
                ["id"] = s.Id, ["from"] = s.Target == MemoryTargets.User ? "user" : "persona", ["text"] = s.Text,
            })]),
        };
        return [new(ChatRole.System, Instruction), new(ChatRole.User, input.ToJsonString())];
    }

    /// <summary>The checked facts of an answer, and how many items were refused. Text that is not a JSON object yields nothing.</summary>
    public static (IReadOnlyList<MemoryCandidate> Facts, int Refused) Parse(string? text, IReadOnlyList<MemorySource> sources,
        IReadOnlyList<MemoryItem> stored)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(stored);
        var answer = ModelAnswerJson.ObjectIn(text) ?? throw new FormatException("the extraction answer is not a JSON object");
        JsonArray items;
        try
        {
            items = JsonNode.Parse(answer, documentOptions: new JsonDocumentOptions { MaxDepth = 16 }) is JsonObject { } root
                    && root["memories"] is JsonArray array ? array : throw new FormatException("the extraction answer has no \"memories\" array");
        }
        catch (JsonException ex)
        {
            throw new FormatException("the extraction answer is not valid JSON: " + ex.Message, ex);
        }

        var facts = new List<MemoryCandidate>();
        var refused = 0;
        foreach (var node in items)
        {
            if (facts.Count == MaxFacts) { refused++; continue; }
            if (Check(node as JsonObject, sources, stored) is { } fact) facts.Add(fact);
            else refused++;
        }
        return (facts, refused);
    }

    static MemoryCandidate? Check(JsonObject? item, IReadOnlyList<MemorySource> sources, IReadOnlyList<MemoryItem> stored)
    {
        if (item is null) return null;
        var source = sources.FirstOrDefault(s => string.Equals(s.Id, Text(item, "source")?.Trim(), StringComparison.OrdinalIgnoreCase));
        if (source is null) return null;
        var who = source.Target == MemoryTargets.User ? "user" : "persona";

        var key = Text(item, "uniqueIdentifier") is { } raw ? OfflineMemoryExtractor.Snake(raw) : "";
        if (key.Length == 0) return null;
        // Whose fact it is follows the message, so the key does too: a user fact cannot overwrite a persona memory.
        if (!key.StartsWith(who + "_", StringComparison.Ordinal))
            key = who + "_" + (key.StartsWith("user_", StringComparison.Ordinal) ? key[5..] : key.StartsWith("persona_", StringComparison.Ordinal) ? key[8..] : key);
        if (key.Length > MaxKey) key = key[..MaxKey].TrimEnd('_');

        var description = Text(item, "description") is { } d ? Spaces().Replace(d, " ").Trim() : "";
        if (description.Length == 0 || description.Any(char.IsControl)) return null;
        if (description.Length > MaxDescription) description = description[..MaxDescription].TrimEnd() + "…";

        var category = Text(item, "category")?.Trim().ToUpperInvariant() is { } c && MemoryCategories.IsWellFormed(c) ? c : MemoryCategories.Other;
        DateOnly? startDate = null, endDate = null;
        if (category == MemoryCategories.Event)
        {
            startDate = Date(Text(item, "eventStartDate"));
            endDate = Date(Text(item, "eventEndDate"));
            if (startDate is null || endDate < startDate) endDate = null;
        }

        var tags = item["tags"] is JsonArray tagArray
            ? tagArray.Select(t => t is JsonValue v && v.TryGetValue<string>(out var s) ? s.Trim().ToLowerInvariant() : "")
                .Where(t => t.Length is > 0 and <= MaxTag && !t.Any(char.IsControl)).Distinct(StringComparer.Ordinal).Take(MemoryMerge.MaxTags).ToList()
            : [];

        var slot = Text(item, "slot")?.Trim().ToLowerInvariant() is { } s2 && Slots.Contains(s2) ? who + "_" + s2 : null;
        var replaces = Text(item, "replaces")?.Trim() is { Length: > 0 } r
                       && stored.FirstOrDefault(m => m.UniqueIdentifier == r && m.Target == source.Target) is { } old
            ? old.UniqueIdentifier : null;

        return new MemoryCandidate
        {
            UniqueIdentifier = key, Target = source.Target, Category = category, Description = description,
            EventStartDate = startDate, EventEndDate = endDate, SourceText = source.Text, Tags = tags, Slot = slot, Replaces = replaces,
        };
    }

    static string? Text(JsonObject item, string name) =>
        item[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    static DateOnly? Date(string? text) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}

/// <summary>
/// How a run's memory was read, kept in the answer's itemisation (docs/memory.md, "Model extraction"):
/// <c>model</c> or <c>offline</c>, the model and its tokens and cost (billed with the answer), the facts found and
/// refused, and why the offline extractor stood in when the model call failed.
/// </summary>
public sealed record MemoryExtractionNote(
    string Extractor,
    string? ChatModel,
    string? BackendModel,
    long InputTokens,
    long OutputTokens,
    decimal Cost,
    int Facts,
    int Refused,
    string? Fallback)
{
    public const string Model = "model";
    public const string Offline = "offline";
}
