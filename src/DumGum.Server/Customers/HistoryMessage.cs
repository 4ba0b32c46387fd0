using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DumGum.Customers;

public enum Sender { User, Persona }

public sealed record Gift(string? Name, string? Tier);

/// <summary>One message of the customer's chat history, in either documented shape (newest, or compat with <c>type</c>).</summary>
public sealed record HistoryMessage(
    string? Id,
    Sender Sender,
    DateTimeOffset Date,
    string? Text,
    IReadOnlyList<string> PictureUrls,
    bool Poke,
    IReadOnlyList<Gift> Gifts,
    string? Sticker)
{
    /// <summary>
    /// Reads a Chat History endpoint's answer: null with the reason when it has no <c>messages</c> array (the run
    /// cannot go on), else the messages as <see cref="ParseAll"/> reads them.
    /// </summary>
    public static List<HistoryMessage>? ParseBody(JsonObject body, List<string> skipped, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body["messages"] is not JsonArray messages)
        {
            problem = "the chat history has no \"messages\" array";
            return null;
        }
        problem = null;
        return ParseAll(messages, skipped);
    }

    /// <summary>
    /// Reads the <c>messages</c> array, ordered by date then by position (docs/behaviour.md, "Profiles and history").
    /// Items without a known sender or a readable date are skipped and reported, never fatal.
    /// </summary>
    public static List<HistoryMessage> ParseAll(JsonArray messages, List<string> skipped)
    {
        var list = new List<(HistoryMessage Message, int Position)>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not JsonObject m) { skipped.Add($"messages[{i}] is not an object"); continue; }
            var sender = Str(m, "sender")?.ToUpperInvariant() switch
            {
                "USER" => Sender.User,
                "PERSONA" => Sender.Persona,
                _ => (Sender?)null,
            };
            if (sender is null) { skipped.Add($"messages[{i}].sender is not USER or PERSONA"); continue; }
            if (!DateTimeOffset.TryParse(Str(m, "date"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                skipped.Add($"messages[{i}].date is not an ISO-8601 date-time");
                continue;
            }
            var poke = m["poke"] is JsonValue p && p.GetValueKind() == JsonValueKind.True
                       || string.Equals(Str(m, "type"), "ACTION_POKE", StringComparison.OrdinalIgnoreCase);
            var pictures = new List<string>();
            if (m["pictureUrls"] is JsonArray pics)
                foreach (var u in pics)
                    if (u is JsonValue uv && uv.GetValueKind() == JsonValueKind.String) pictures.Add(uv.GetValue<string>());
            var gifts = new List<Gift>();
            if (m["gifts"] is JsonArray gs)
                foreach (var g in gs)
                    if (g is JsonObject go) gifts.Add(new Gift(Str(go, "name"), Str(go, "tier")));
            list.Add((new HistoryMessage(Str(m, "id") ?? m["id"]?.ToJsonString(), sender.Value, date, Str(m, "text"),
                pictures, poke, gifts, Str(m, "sticker")), i));
        }
        return list.OrderBy(x => x.Message.Date).ThenBy(x => x.Position).Select(x => x.Message).ToList();
    }

    static string? Str(JsonObject o, string name) =>
        o.TryGetPropertyValue(name, out var n) && n is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>() : null;
}

/// <summary>
/// Smart Share's one rule for "already shared" (docs/behaviour.md, "Replies", Smart Share): a picture is already shared
/// when its URL, trimmed, is among the pictures of any message in the history, the user's or the persona's, compared
/// exactly. Such a picture is neither offered to the model nor ever sent.
/// </summary>
public static class SharedPictures
{
    /// <summary>The trimmed URLs of every picture in the history.</summary>
    public static HashSet<string> In(IEnumerable<HistoryMessage> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var shared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in history)
            foreach (var url in m.PictureUrls) shared.Add(url.Trim());
        return shared;
    }

    public static bool AlreadyShared(string url, IEnumerable<HistoryMessage> history) => In(history).Contains(url.Trim());
}
