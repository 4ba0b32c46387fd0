using System.Globalization;

namespace DumGum.Http.Validation;

/// <summary>
/// The query parameters of a paged admin list, read the same way everywhere: <c>limit</c> 1–1000 (default 100) and an
/// opaque <c>after</c> cursor, the <c>nextAfter</c> of the previous page.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 100, MaxLimit = 1000;

    /// <summary>The page size; a bad value adds an error under <c>limit</c> and gives the default.</summary>
    public static int Limit(string? limit, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (limit is null) return DefaultLimit;
        if (int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var take) && take is >= 1 and <= MaxLimit) return take;
        errors["limit"] = [$"must be an integer from 1 to {MaxLimit}"];
        return DefaultLimit;
    }
}
