using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DumGum.Customers;
using DumGum.Http;
using DumGum.Storage;
using Microsoft.Extensions.AI;

namespace DumGum.Replies;

/// <summary>
/// SoulEngine: with <c>generatePersonality</c>, the persona's style card (personality, writing style, emoji habit,
/// message rhythm, sexual appetite) is written once per persona <c>version</c>, cached in memory and in the database,
/// and given to every reply as a baseline that explicit request parameters override (docs/behaviour.md, "Replies", SoulEngine). With the offline
/// engine (and in <c>testMode</c>) the card is derived from the profile without a model.
/// </summary>
public sealed class SoulEngine(IChatClient model, Database database, WriteQueue writes, TimeProvider clock, ILogger<SoulEngine> log)
{
    readonly ConcurrentDictionary<(string Project, string Persona, string Version), string> cards = new();

    public static readonly string[] Traits = ["personality", "writingStyle", "emojiHabit", "messageRhythm", "sexualAppetite"];

    public async Task<string> CardAsync(string projectId, CustomerProfile persona, bool offline, CancellationToken cancellationToken)
    {
        var version = persona.Version ?? "unversioned";
        var key = (projectId, persona.Id, version);
        if (cards.TryGetValue(key, out var cached)) return cached;
        if (Load(key) is { } stored) return cards[key] = stored;

        var card = offline ? OfflineCard(persona) : await GenerateAsync(projectId, persona, cancellationToken) ?? OfflineCard(persona);
        var now = clock.GetUtcNow().ToUnixMs();
        await writes.WriteAsync(w => w.Command("""
                INSERT INTO style_cards(project_id, persona_profile_id, version, card, created_at) VALUES(@p, @id, @v, @card, @now)
                ON CONFLICT(project_id, persona_profile_id, version) DO NOTHING
                """).With("@p", projectId).With("@id", persona.Id).With("@v", version).With("@card", card).With("@now", now)
            .ExecuteNonQuery()).WaitAsync(cancellationToken);
        return cards[key] = card;
    }

    string? Load((string Project, string Persona, string Version) key)
    {
        using var connection = database.Open();
        using var command = connection.Sql("SELECT card FROM style_cards WHERE project_id = @p AND persona_profile_id = @id AND version = @v")
            .With("@p", key.Project).With("@id", key.Persona).With("@v", key.Version);
        return command.ExecuteScalar() as string;
    }

    async Task<string?> GenerateAsync(string projectId, CustomerProfile persona, CancellationToken cancellationToken)
    {
        var prompt = new List<ChatMessage>
        {
            new(ChatRole.System, """
                You study a dating-app profile once and describe how its owner writes in chat. Answer with one JSON object:
                {"personality": "...", "writingStyle": "...", "emojiHabit": "...", "messageRhythm": "...", "sexualAppetite": "..."}
                Each value is one or two short sentences, concrete and specific to this person.
                """),
            new(ChatRole.User, persona.Raw.ToJsonString()),
        };
        try
        {
            var response = await model.GetResponseAsync(prompt, new ChatOptions
            {
                ResponseFormat = ChatResponseFormat.Json,
                AdditionalProperties = new() { [Models.TokenBudgetChatClient.ProjectIdKey] = projectId },
            }, cancellationToken);
            if (ModelAnswerJson.ObjectIn(response.Text) is not { } answer || JsonNode.Parse(answer) is not JsonObject json) return null;
            var card = Format(Traits.Select(t => (t, (string?)json[t])));
            return card.Length > 0 ? card : null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A model that is down or over budget must not fail the reply: the profile-derived card serves instead.
            log.LogWarning(ex, "SoulEngine could not write a style card for persona {PersonaId}; using the profile-derived card", persona.Id);
            return null;
        }
    }

    /// <summary>A card derived from the profile alone: deterministic, so tests and testMode are stable.</summary>
    public static string OfflineCard(CustomerProfile persona)
    {
        var description = persona.Description ?? "";
        var personality = persona.Personality is { Length: > 0 } p
            ? p.Replace('_', ' ').ToLowerInvariant() + ", warm and curious"
            : "warm, curious and a little playful";
        var style = description.Length > 120 ? "writes full, thoughtful sentences and tells small stories"
            : description.Length > 0 ? "writes short, relaxed sentences" : "writes short, casual messages";
        return Format(
        [
            ("personality", personality),
            ("writingStyle", style),
            ("emojiHabit", "uses an emoji now and then, never more than one per message"),
            ("messageRhythm", "usually one message, sometimes two quick ones when excited"),
            ("sexualAppetite", "flirty but reserved; lets things build slowly"),
        ]);
    }

    static string Format(IEnumerable<(string Trait, string? Value)> traits)
    {
        var sb = new StringBuilder();
        foreach (var (trait, value) in traits)
            if (!string.IsNullOrWhiteSpace(value)) sb.Append(trait switch
            {
                "personality" => "Personality: ", "writingStyle" => "Writing style: ", "emojiHabit" => "Emoji habit: ",
                "messageRhythm" => "Message rhythm: ", _ => "Sexual appetite: ",
            }).Append(value.Trim()).Append('\n');
        return sb.ToString().TrimEnd();
    }
}
