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
