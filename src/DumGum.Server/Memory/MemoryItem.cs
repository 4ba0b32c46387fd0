using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace DumGum.Memory;

/// <summary>Who a memory is about: the end user, or the persona (what it has said about itself).</summary>
public static class MemoryTargets
{
    public const string User = "USER";
    public const string Persona = "PERSONA";
}

/// <summary>
/// The memory categories: the documented ones, then <c>OTHER</c> (docs/behaviour.md, "Long-term memory").
/// Unknown categories are accepted on input and kept as they are.
/// </summary>
public static partial class MemoryCategories
{
    public const string Name = "NAME";
    public const string Nickname = "NICKNAME";
    public const string Age = "AGE";
    public const string DateOfBirth = "DATE_OF_BIRTH";
    public const string Gender = "GENDER";
    public const string Location = "LOCATION";
    public const string Nationality = "NATIONALITY";
    public const string Language = "LANGUAGE";
    public const string Religion = "RELIGION";
    public const string Culture = "CULTURE";
    public const string Occupation = "OCCUPATION";
    public const string Education = "EDUCATION";
    public const string Skill = "SKILL";
    public const string Personality = "PERSONALITY";
    public const string Appearance = "APPEARANCE";
    public const string Health = "HEALTH";
    public const string RelationshipStatus = "RELATIONSHIP_STATUS";
    public const string FoodPreference = "FOOD_PREFERENCE";
    public const string Preference = "PREFERENCE";
    public const string Pet = "PET";
    public const string Event = "EVENT";
    public const string Other = "OTHER";

    public static readonly IReadOnlyList<string> All =
    [
        Name, Nickname, Age, DateOfBirth, Gender, Location, Nationality, Language, Religion, Culture, Occupation,
        Education, Skill, Personality, Appearance, Health, RelationshipStatus, FoodPreference, Preference, Pet, Event, Other,
    ];

    /// <summary>The longest category name accepted.</summary>
    public const int MaxLength = 64;

    /// <summary>
    /// A name the <c>category</c> field takes, from the admin API or from a model: one of <see cref="All"/> or any other
    /// UPPER_SNAKE_CASE name of at most <see cref="MaxLength"/> characters (docs/memory.md).
    /// </summary>
    public static bool IsWellFormed(string? category) => category is { Length: <= MaxLength } && UpperSnakeCase().IsMatch(category);

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$")]
    private static partial Regex UpperSnakeCase();
}

/// <summary>
/// The fields of the documented Memory object that a fact has from the moment it is read: a <see cref="MemoryCandidate"/>
/// before it is merged into the stored memories, a <see cref="MemoryItem"/> once stored.
/// </summary>
public abstract record MemoryFact
{
    /// <summary>snake_case key, e.g. <c>user_lives_in_madrid</c>; the same key updates in place.</summary>
    public required string UniqueIdentifier { get; init; }
    /// <summary><see cref="MemoryTargets"/>.</summary>
    public required string Target { get; init; }
    /// <summary><see cref="MemoryCategories"/>.</summary>
    public required string Category { get; init; }
    /// <summary>Short English summary.</summary>
    public required string Description { get; init; }
    /// <summary>Only for <c>EVENT</c>.</summary>
    public DateOnly? EventStartDate { get; init; }
    /// <summary>Only for <c>EVENT</c>.</summary>
    public DateOnly? EventEndDate { get; init; }
    /// <summary>The message the fact was read from.</summary>
    public required string SourceText { get; init; }
    /// <summary>At most 10 lowercase keywords.</summary>
    public required IReadOnlyList<string> Tags { get; init; }
    /// <summary>
    /// The single-valued question this fact answers ("user_location", "user_likes:cats"), or null when facts of its
    /// kind accumulate. A new fact with the same slot but another <see cref="UniqueIdentifier"/> contradicts the stored
    /// one and replaces it; the deletion's reason is written from the new fact. Facts without a slot only add or update.
    /// </summary>
    public string? Slot { get; init; }
}

/// <summary>A fact found in one message, before it is merged into the stored memories.</summary>
public sealed record MemoryCandidate : MemoryFact
{
    /// <summary>
    /// The key of a stored memory this fact contradicts (a model's judgement, docs/memory.md, "Model extraction"): it is
    /// deleted with a reason, like a memory whose slot is taken. Null: only the slot decides.
    /// </summary>
    public string? Replaces { get; init; }
}

/// <summary>A stored memory, exactly the documented Memory object plus when it was recorded.</summary>
public sealed record MemoryItem : MemoryFact
{
    public required DateTimeOffset Timestamp { get; init; }

    public MemoryItem() { }

    /// <summary>The fact as stored at <paramref name="timestamp"/> (the caller adjusts what storing changes with <c>with</c> or an initializer).</summary>
    [SetsRequiredMembers]
    public MemoryItem(MemoryFact fact, DateTimeOffset timestamp) : base(fact) => Timestamp = timestamp;
}

/// <summary>A removed memory as the documented DeletedMemory object.</summary>
public sealed record DeletedMemory(string UniqueIdentifier, string Reason);

/// <summary>
/// Reads explicit facts from one message. Deterministic and offline: the embedded default must have memory too.
/// </summary>
public interface IMemoryExtractor
{
    /// <param name="text">One message, as written.</param>
    /// <param name="language">ISO 639-1 code of the message (en, de, fr, es, it, pt, nl); other languages yield nothing.</param>
    /// <param name="target">Whose message it is: <see cref="MemoryTargets.User"/> for user messages, <see cref="MemoryTargets.Persona"/> for the persona's replies.</param>
    /// <param name="today">The writer's local date, to resolve "on Friday" or "tomorrow" to a date.</param>
    IReadOnlyList<MemoryCandidate> Extract(string text, string language, string target, DateOnly today);
}
