using System.Diagnostics;
using System.Text.Json;

namespace DumGum.Http;

/// <summary>
/// Every non-2xx answer is RFC 9457 problem+json with <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>,
/// <c>traceId</c>, and for validation an <c>errors</c> map from JSON path to messages (docs/behaviour.md, "Requests and errors").
/// </summary>
public sealed class Problem : IResult
{
    public required int Status { get; init; }
    public required string Slug { get; init; }
    public required string Title { get; init; }
    public string? Detail { get; init; }
    public IDictionary<string, string[]>? Errors { get; init; }
    public IDictionary<string, object?>? Extensions { get; init; }
    public IDictionary<string, string>? Headers { get; init; }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        // The client is gone (it reset or closed the connection): there is no one to write to.
        if (httpContext.RequestAborted.IsCancellationRequested) return;
        var response = httpContext.Response;
        response.StatusCode = Status;
        response.ContentType = "application/problem+json";
        if (Headers is not null) foreach (var (k, v) in Headers) response.Headers[k] = v;
        // Written to a buffer first: the body is small, and Kestrel refuses the synchronous writes a stream writer can make.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        writer.WriteString("type", "urn:dumgum:problem:" + Slug);
        writer.WriteString("title", Title);
        writer.WriteNumber("status", Status);
        if (Detail is not null) writer.WriteString("detail", Detail);
        writer.WriteString("traceId", Activity.Current?.Id ?? httpContext.TraceIdentifier);
        if (Errors is not null)
        {
            writer.WriteStartObject("errors");
            foreach (var (path, messages) in Errors)
            {
                writer.WriteStartArray(path);
                foreach (var m in messages) writer.WriteStringValue(m);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        if (Extensions is not null)
            foreach (var (k, v) in Extensions)
            {
                writer.WritePropertyName(k);
                JsonSerializer.Serialize(writer, v);
            }
        writer.WriteEndObject();
        writer.Flush();
        await response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted);
    }

    public static Problem Validation(IDictionary<string, string[]> errors, string? detail = null) => new()
    {
        Status = 400, Slug = "validation", Title = "The request is not valid",
        Detail = detail ?? "One or more fields break a rule; see errors.", Errors = errors,
    };

    public static Problem Field(string path, string message) =>
        Validation(new Dictionary<string, string[]> { [path] = [message] }, message);

    public static Problem Unauthorized(string detail) => new()
    {
        Status = 401, Slug = "unauthorized", Title = "Missing or invalid credentials", Detail = detail,
        Headers = new Dictionary<string, string> { ["WWW-Authenticate"] = "Bearer" },
    };

    public static Problem NotFound(string detail) => new() { Status = 404, Slug = "not-found", Title = "Not found", Detail = detail };

    public static Problem TooLarge(long limit) => new()
    {
        Status = 413, Slug = "payload-too-large", Title = "The request body is too large",
        Detail = $"The body exceeds the limit of {limit / 1024} KiB.",
        Errors = new Dictionary<string, string[]> { ["$"] = [$"The body must be at most {limit} bytes."] },
    };

    public static Problem UnsupportedMediaType() => new()
    {
        Status = 415, Slug = "unsupported-media-type", Title = "The body must be JSON",
        Detail = "Send the body as application/json.",
        Errors = new Dictionary<string, string[]> { ["$"] = ["Content-Type must be application/json."] },
    };

    public static Problem RateLimited(TimeSpan retryAfter) => new()
    {
        Status = 429, Slug = "rate-limited", Title = "Too many requests",
        Detail = "This access key is over its request rate; retry after the number of seconds in Retry-After.",
        Headers = new Dictionary<string, string> { ["Retry-After"] = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };

    public static Problem Unavailable(string detail) => new()
    {
        Status = 503, Slug = "storage-unavailable", Title = "Storage is unavailable", Detail = detail,
        Headers = new Dictionary<string, string> { ["Retry-After"] = "1" },
    };
}
