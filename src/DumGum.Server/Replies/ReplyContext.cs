using DumGum.Customers;

namespace DumGum.Replies;

/// <summary>
/// Everything a reply is written from. The model path turns it into a prompt; the offline engine reads it directly
/// (it travels in <c>ChatOptions.AdditionalProperties[ReplyContext.OptionsKey]</c>).
/// </summary>
public sealed record ReplyContext(
    CustomerProfile User,
    CustomerProfile Persona,
    IReadOnlyList<HistoryMessage> History,
    string Language,
    DateTimeOffset Now)
{
    public const string OptionsKey = "dumgum.replyContext";
}
