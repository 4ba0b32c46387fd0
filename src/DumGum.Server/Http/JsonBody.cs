using System.Buffers;
using System.Text.Json;

namespace DumGum.Http;

/// <summary>
/// Reads a JSON request body under a size cap; failures come back as the matching problem (413, 415, 400, 408). The
/// JSON must pass <see cref="StrictJson"/> (docs/behaviour.md, "Malformed JSON"). A body that arrives too slowly or
/// is cut off is the client's fault, answered with Kestrel's own status and logged quietly, without a stack trace
/// (docs/behaviour.md, "Slow and broken request bodies").
/// </summary>
public static class JsonBody
{
    public static async Task<(JsonDocument? Document, Problem? Problem)> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await ReadCheckedAsync(request, limit, cancellationToken);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's verdict on the transport: 408 (too slow, MinRequestBodyDataRate), 400 (cut short), 413.
            Log(request).LogInformation("Request body not read ({Status}): {Reason}", ex.StatusCode, ex.Message);
            return (null, BodyNotRead(ex.StatusCode, ex.Message));
        }
        catch (Exception ex) when (ex is IOException
                                   || ex is OperationCanceledException && request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // The client reset or closed the connection mid-body: nobody is left to read an answer. Abort our side too,
            // or Kestrel would try to drain a body whose reader just failed (and log that as an error).
            Log(request).LogDebug("Request body not read: the connection was aborted ({Reason})", ex.Message);
            request.HttpContext.Abort();
            return (null, BodyNotRead(400, "The connection was closed before the whole body arrived."));
        }
    }

    static Problem BodyNotRead(int status, string reason) => new()
    {
        Status = status, Slug = status == 408 ? "request-timeout" : status == 413 ? "payload-too-large" : "body-not-received",
        Title = status == 408 ? "The request body arrived too slowly" : "The request body was not received",
        Detail = reason,
    };

    static ILogger Log(HttpRequest request) =>
        request.HttpContext.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(JsonBody).FullName!)
        ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    static async Task<(JsonDocument? Document, Problem? Problem)> ReadCheckedAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
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
            if (StrictJson.Check(buffer.AsSpan(0, length)) is { } fault)
                return (null, Problem.Validation(new Dictionary<string, string[]> { [fault.Path] = [fault.Message] },
                    fault.Path == "$" ? "The body is not valid JSON." : $"The body is not acceptable JSON: {fault.Path}: {fault.Message}."));
            // JsonDocument keeps (does not copy) the memory it parses, and this buffer goes back to the pool on return:
            // parse a copy of its own, or the document would read whatever the next request writes there.
            return (JsonDocument.Parse(buffer.AsSpan(0, length).ToArray(), StrictJson.DocumentOptions), null);
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
