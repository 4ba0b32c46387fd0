using DumGum.Http;
using DumGum.Projects;

namespace DumGum.AccessKeys;

/// <summary>The public API's gate: a valid, unrevoked <c>sk-proj-</c> key (401 otherwise), then the key's rate limit (429).</summary>
public sealed class AccessKeyAuth(AccessKeyStore keys, ProjectStore projects, KeyRateLimiter limiter)
{
    public (Project? Project, Problem? Problem) Authorize(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0) return (null, Problem.Unauthorized("Send the access key as 'Authorization: Bearer sk-proj-…'."));
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return (null, Problem.Unauthorized("The Authorization header must use the Bearer scheme."));
        var key = header["Bearer ".Length..].Trim();
        if (!AccessKeyFormat.IsWellFormed(key)) return (null, Problem.Unauthorized("The access key is malformed."));
        if (keys.Authenticate(key) is not { } caller || projects.Find(caller.ProjectId) is not { } project)
            return (null, Problem.Unauthorized("The access key is unknown or revoked."));
        if (!limiter.TryAcquire(caller.KeyId, project.Config.RateLimit, out var retryAfter))
            return (null, Problem.RateLimited(retryAfter));
        return (project, null);
    }
}

/// <summary>
/// The gate as an endpoint filter, for a whole route group: an endpoint runs only for a valid key within its rate limit
/// (the filter answers 401 or 429 otherwise, before the body is read), and its handler reads the key's project with
/// <see cref="CallerProject"/>.
/// </summary>
public static class AccessKeyGate
{
    sealed record Caller(Project Project);

    public static RouteGroupBuilder RequireAccessKey(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var (project, denied) = http.RequestServices.GetRequiredService<AccessKeyAuth>().Authorize(http.Request);
            if (denied is not null) return denied;
            http.Features.Set(new Caller(project!));
            return await next(context);
        });
        return group;
    }

    /// <summary>The project whose access key the request carries; only inside a group that <see cref="RequireAccessKey"/> guards.</summary>
    public static Project CallerProject(this HttpContext http) =>
        http.Features.Get<Caller>()?.Project
        ?? throw new InvalidOperationException("This endpoint is not behind RequireAccessKey: no access key was checked.");
}
