using DumGum.Http;

namespace DumGum.AccessKeys;

/// <summary>The POST endpoints of a group behind the gate (<see cref="AccessKeyGate.RequireAccessKey"/>) that take a JSON body.</summary>
public static class GatedJsonPost
{
    /// <summary>
    /// What any of them can answer before its own work: 400 (the body breaks a rule), 401 (no valid key), 413 (the body is
    /// too large), 415 (not JSON) and 429 (the key's rate limit).
    /// </summary>
    static readonly int[] GateAndBodyProblems = [400, 401, 413, 415, 429];

    /// <summary>
    /// Maps a POST whose body the OpenAPI document shows as <typeparamref name="TDocument"/>, documented with the gate's
    /// and the body's problems and the endpoint's own <paramref name="problems"/>, in status order.
    /// </summary>
    public static RouteHandlerBuilder MapGatedJsonPost<TDocument>(this RouteGroupBuilder group, string pattern, Delegate handler,
        params int[] problems)
    {
        var route = group.MapPost(pattern, handler).DocumentsJsonBody<TDocument>();
        foreach (var status in GateAndBodyProblems.Union(problems).Order()) route.ProducesProblem(status);
        return route;
    }
}
