using DumGum.Projects;
using Microsoft.Extensions.Options;

namespace DumGum.Customers;

/// <summary>
/// The outcome of one test call.
/// </summary>
/// <param name="Kind"><see cref="CallLog.Profile"/> or <see cref="CallLog.History"/>.</param>
/// <param name="Url">The URL called, secret-looking query values redacted as in the project logs.</param>
/// <param name="Status">The HTTP status; null when no answer arrived (see <paramref name="Error"/>).</param>
/// <param name="Error">Why the call failed (<c>HTTP 500</c>, <c>timed out</c>, the network error); null when it was answered with a 2xx.</param>
/// <param name="Problems">What in a 2xx answer would make a run fail (an unusable profile, no <c>messages</c> array, invalid JSON).</param>
/// <param name="Warnings">What a run would ignore and log, never fatal: skipped history messages, profile fields that are ignored.</param>
public sealed record EndpointTestCall(string Kind, string Url, int? Status, string? Error, long LatencyMs,
    IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings)
{
    /// <summary>The call would serve a run: answered with a 2xx and no problem found.</summary>
    public bool Ok => Error is null && Problems.Count == 0;
}

/// <summary>The three calls a run makes: the user's profile, the persona's profile, the chat history of the pair.</summary>
public sealed record EndpointTestResult(EndpointTestCall UserProfile, EndpointTestCall PersonaProfile, EndpointTestCall ChatHistory)
{
    public bool Ok => UserProfile.Ok && PersonaProfile.Ok && ChatHistory.Ok;
}

/// <summary>
/// Lets an operator check a project's customer endpoints for a user and a persona of their choice: the Profile endpoint
/// for both ids and the Chat History endpoint for the pair, called exactly as a run calls them (same client, headers,
/// address guard and URLs), one attempt each, in parallel, and the answers checked with the run's own rules. Nothing is
/// cached, stored or written to the project logs, and no conversation is touched.
/// </summary>
public sealed class EndpointTester(CustomerClient customers, IOptions<OutboundOptions> options)
{
    public async Task<EndpointTestResult> TestAsync(Project project, string userProfileId, string personaProfileId,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentException.ThrowIfNullOrEmpty(userProfileId);
        ArgumentException.ThrowIfNullOrEmpty(personaProfileId);
        var user = ProfileAsync(project, userProfileId, cancellationToken);
        var persona = ProfileAsync(project, personaProfileId, cancellationToken);
        var history = HistoryAsync(project, userProfileId, personaProfileId, cancellationToken);
        return new EndpointTestResult(await user, await persona, await history);
    }

    async Task<EndpointTestCall> ProfileAsync(Project project, string profileId, CancellationToken cancellationToken)
    {
        var url = ProfileCache.ProfileUrl(project, profileId);
        var response = await customers.GetOnceAsync(project, url, options.Value.RequestTimeout, cancellationToken);
        List<string> problems = [], warnings = [];
        if (response.Failure == CustomerFailure.None)
        {
            if (CustomerClient.ParseObject(response.Body!, out var invalid) is not { } body) problems.Add($"invalid JSON: {invalid}");
            else if (ProfileCache.Read(body, profileId, out var problem) is { } profile) warnings.AddRange(ProfileCache.Warnings(profile));
            else problems.Add(problem!);
        }
        return Call(CallLog.Profile, url, response, problems, warnings);
    }

    async Task<EndpointTestCall> HistoryAsync(Project project, string user, string persona, CancellationToken cancellationToken)
    {
        var url = ProfileCache.HistoryUrl(project, user, persona);
        var response = await customers.GetOnceAsync(project, url, options.Value.RequestTimeout, cancellationToken);
        List<string> problems = [], warnings = [];
        if (response.Failure == CustomerFailure.None)
        {
            if (CustomerClient.ParseObject(response.Body!, out var invalid) is not { } body) problems.Add($"invalid JSON: {invalid}");
            else if (HistoryMessage.ParseBody(body, warnings, out var problem) is null) problems.Add(problem!);
        }
        return Call(CallLog.History, url, response, problems, warnings);
    }

    static EndpointTestCall Call(string kind, string url, CustomerResponse response, List<string> problems, List<string> warnings) =>
        new(kind, CallLog.RedactQuery(url), response.Status, response.Error, (long)response.Latency.TotalMilliseconds, problems, warnings);
}
