using System.Globalization;

namespace DumGum.Dashboard;

/// <summary>
/// Filter values as pages read them from the address: always text, checked here, so an edited link gets a message at
/// its field and never a 500.
/// </summary>
public static class QueryValues
{
    /// <summary>The value trimmed, or null when it is empty.</summary>
    public static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>A UTC instant (a <c>datetime-local</c> value or ISO-8601); false when the text is not one.</summary>
    public static bool TryInstant(string value, out DateTimeOffset instant) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant);
}
