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
/// A fact found in one message, before it is merged into the stored memories.
/// <para><see cref="Slot"/> names what the fact is an answer to ("user_location", "user_likes:cats"): a new fact with
/// the same slot but another <see cref="UniqueIdentifier"/> contradicts the stored one and replaces it; the deletion's
/// reason is written from the new fact. Facts without a slot only add or update.</para>
/// </summary>
/// <param name="UniqueIdentifier">snake_case key, e.g. <c>user_lives_in_madrid</c>; the same key updates in place.</param>
/// <param name="Target"><see cref="MemoryTargets"/>.</param>
/// <param name="Category"><see cref="MemoryCategories"/>.</param>
/// <param name="Description">Short English summary.</param>
/// <param name="EventStartDate">Only for <c>EVENT</c>.</param>
/// <param name="EventEndDate">Only for <c>EVENT</c>.</param>
/// <param name="SourceText">The message the fact was read from.</param>
/// <param name="Tags">At most 10 lowercase keywords.</param>
/// <param name="Slot">Single-valued question this fact answers, or null when facts of its kind accumulate.</param>
public sealed record MemoryCandidate(
    string UniqueIdentifier,
    string Target,
    string Category,
    string Description,
    DateOnly? EventStartDate,
    DateOnly? EventEndDate,
    string SourceText,
    IReadOnlyList<string> Tags,
    string? Slot)
{
    /// <summary>
    /// The key of a stored memory this fact contradicts (a model's judgement, docs/memory.md, "Model extraction"): it is
    /// deleted with a reason, like a memory whose slot is taken. Null: only the slot decides.
    /// </summary>
    public string? Replaces { get; init; }
}

/// <summary>A stored memory, exactly the documented Memory object plus when it was recorded.</summary>
public sealed record MemoryItem(
    string UniqueIdentifier,
    string Target,
    string Category,
    string Description,
    DateOnly? EventStartDate,
    DateOnly? EventEndDate,
    string SourceText,
    DateTimeOffset Timestamp,
    IReadOnlyList<string> Tags,
    string? Slot);

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
