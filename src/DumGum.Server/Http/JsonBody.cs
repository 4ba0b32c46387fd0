using System.Buffers;
using System.Text.Json;

namespace DumGum.Http;

/// <summary>Reads a JSON request body under a size cap; failures come back as the matching problem (413, 415, 400).</summary>
public static class JsonBody
{
    public static async Task<(JsonDocument? Document, Problem? Problem)> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType)) return (null, Problem.UnsupportedMediaType());
        if (request.ContentLength > limit) return (null, Problem.TooLarge(limit));
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, (int?)request.ContentLength + 1 ?? 16 * 1024));
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit) return (null, Problem.TooLarge(limit));
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0) break;
                length += read;
                if (length > limit) return (null, Problem.TooLarge(limit));
            }
            try
            {
                return (JsonDocument.Parse(buffer.AsMemory(0, length)), null);
            }
            catch (JsonException ex)
            {
                var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {ex.BytePositionInLine + 1})" : "";
                return (null, Problem.Validation(new Dictionary<string, string[]> { ["$"] = [$"the body is not valid JSON{where}"] },
                    "The body is not valid JSON."));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    static bool IsJson(string? contentType)
    {
        if (contentType is null) return false;
        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }
}
