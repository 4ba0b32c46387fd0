using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;
using Microsoft.Extensions.Options;

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

    /// <summary>The prefix of every DumGum problem <c>type</c>: <c>urn:dumgum:problem:</c> + <see cref="Slug"/>.</summary>
    public const string TypePrefix = "urn:dumgum:problem:";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        // The client is gone (it reset or closed the connection): there is no one to write to.
        if (httpContext.RequestAborted.IsCancellationRequested) return;
        httpContext.Response.StatusCode = Status;
        if (Headers is not null) foreach (var (k, v) in Headers) httpContext.Response.Headers[k] = v;
        var details = Errors is null ? new ProblemDetails() : new HttpValidationProblemDetails(Errors);
        details.Type = TypePrefix + Slug;
        details.Title = Title;
        details.Status = Status;
        details.Detail = Detail;
        if (Extensions is not null) foreach (var (k, v) in Extensions) details.Extensions[k] = v;
        var context = new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details };
        // A host without AddProblemJson (a test app that maps only the sample customer, a bare context) gets the same writer directly.
        if (((IServiceProvider?)httpContext.RequestServices)?.GetService<IProblemDetailsService>() is { } service) await service.WriteAsync(context);
        else await ProblemJson.WriteAsync(context, ProblemJson.Customize, new JsonOptions().SerializerOptions);
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

/// <summary>
/// The one producer of problem+json: <see cref="IProblemDetailsService"/>. DumGum's own problems (<see cref="Problem"/>)
/// and the framework's (unknown route, wrong method, unhandled exception) both go through it, with <c>traceId</c>
/// added in one place.
/// </summary>
public static class ProblemJson
{
    public static IServiceCollection AddProblemJson(this IServiceCollection services)
    {
        // Ours first: the service asks its writers in order.
        services.AddSingleton<IProblemDetailsWriter, DumGumProblemWriter>();
        return services.AddProblemDetails(o => o.CustomizeProblemDetails = Customize);
    }

    /// <summary>Every problem, ours and the framework's: a <c>detail</c> and the <c>traceId</c>.</summary>
    internal static void Customize(ProblemDetailsContext c)
    {
        // Problems the framework makes itself get the same shape as ours.
        c.ProblemDetails.Detail ??= c.ProblemDetails.Status switch
        {
            404 => "No resource at this path.",
            405 => "This path does not accept that method.",
            _ => c.ProblemDetails.Title,
        };
        c.ProblemDetails.Extensions.TryAdd("traceId", Activity.Current?.Id ?? c.HttpContext.TraceIdentifier);
    }

    internal static Task WriteAsync(ProblemDetailsContext context, Action<ProblemDetailsContext>? customize, JsonSerializerOptions json)
    {
        customize?.Invoke(context);
        var problem = context.ProblemDetails;
        return context.HttpContext.Response.WriteAsJsonAsync(problem, problem.GetType(), json, "application/problem+json",
            context.HttpContext.RequestAborted);
    }

    /// <summary>
    /// Writes DumGum's problems whatever the request's <c>Accept</c> says (the framework's writer declines a client
    /// that does not list JSON): every error answer of the API is problem+json. The framework's own problems go on to
    /// its writer, which fills in their RFC 9110 <c>type</c> and <c>title</c>.
    /// </summary>
    sealed class DumGumProblemWriter(IOptions<JsonOptions> json, IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
    {
        public bool CanWrite(ProblemDetailsContext context) =>
            context.ProblemDetails.Type?.StartsWith(Problem.TypePrefix, StringComparison.Ordinal) == true;

        public ValueTask WriteAsync(ProblemDetailsContext context) =>
            new(ProblemJson.WriteAsync(context, options.Value.CustomizeProblemDetails, json.Value.SerializerOptions));
    }
}
