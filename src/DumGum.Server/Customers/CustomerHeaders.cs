using System.Net.Http.Headers;
using DumGum.Projects;

namespace DumGum.Customers;

/// <summary>The headers every call to a customer carries, GETs and event POSTs alike (docs/behaviour.md, "Projects and customer endpoints").</summary>
public static class CustomerHeaders
{
    public static void Apply(HttpRequestMessage request, ProjectConfig config, string userAgent)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(config);
        foreach (var (name, value) in config.CustomHeaders) request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        if (config.EndpointBearerToken is { } token)
        {
            request.Headers.Remove("Authorization");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>How a stored token is shown: its last 4 characters when it is long enough to spare them, else nothing.</summary>
    public static string? Hint(string? token) => token is null ? null : token.Length >= 16 ? "…" + token[^4..] : "…";
}
